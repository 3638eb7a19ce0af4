"""One line for any Web API failure, whatever the body: Slack's JSON error, or the status
and the start of a plain-text body (a proxy's 503, a 405 page)."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError


def api_error(exc: SlackApiError) -> str:
    response = exc.response
    data = getattr(response, "data", None)
    if isinstance(data, dict):
        return str(data.get("error") or "unknown_error")
    status = getattr(response, "status_code", "?")
    body = " ".join(str(data or "").split())[:80]
    return f"HTTP {status}" + (f": {body}" if body else "")
