"""What Slack sends to an app, built and delivered the way Slack does it.

HTTP mode: POST to the app's /slack/events, signed ``v0:<ts>:<body>`` with
HMAC-SHA256 and the signing secret (slash commands form-encoded, interactions
as ``payload=<json>``, events as JSON). Socket Mode: the same payloads wrapped
in envelopes pushed through the fake's websocket.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp

from tests.fakes.slack_fake import FakeSlack


def sign(secret: str, timestamp: str, body: str) -> str:
    digest = hmac.new(
        secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256
    ).hexdigest()
    return f"v0={digest}"


@dataclass
class Delivered:
    status: int
    body: Any  # the ack: parsed JSON, text, or None


class SlackSender:
    """Delivers payloads to the app under test, over HTTP (``url``) or the fake's websocket."""

    def __init__(
        self, fake: FakeSlack, *, url: str | None = None, signing_secret: str = ""
    ) -> None:
        self.fake, self.url, self.secret = fake, url, signing_secret
        self._event_ids = itertools.count(1)

    # --- payloads ----------------------------------------------------------------

    def slash(self, user: str, text: str, *, channel: str = "CPRACTICE") -> dict[str, str]:
        return {
            "token": "legacy-unused",
            "team_id": self.fake.team,
            "team_domain": "fake",
            "channel_id": channel,
            "channel_name": "practice",
            "user_id": user,
            "user_name": self.fake.users.get(user, {}).get("name", user),
            "command": "/mock",
            "text": text,
            "api_app_id": "AFAKE",
            "is_enterprise_install": "false",
            "response_url": self.fake.response_url(),
            "trigger_id": self.fake.new_trigger(),
        }

    def click(self, user: str, action_id: str, *, channel: str, message_ts: str) -> dict[str, Any]:
        return {
            "type": "block_actions",
            "team": {"id": self.fake.team, "domain": "fake"},
            "user": {"id": user, "team_id": self.fake.team, "name": user.lower()},
            "api_app_id": "AFAKE",
            "container": {"type": "message", "channel_id": channel, "message_ts": message_ts},
            "channel": {"id": channel, "name": "mpdm"},
            "message": {"ts": message_ts, "type": "message", "user": self.fake.bot_user},
            "trigger_id": self.fake.new_trigger(),
            "response_url": self.fake.response_url(),
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": "buttons",
                    "text": {"type": "plain_text", "text": "button"},
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }

    def submit(
        self, user: str, view: dict[str, Any], values: dict[str, str], comment: str | None = None
    ) -> dict[str, Any]:
        """A view_submission for ``view`` (as opened by views.open) with selects and the comment filled in."""
        state: dict[str, dict[str, Any]] = {}
        for block in view.get("blocks", []):
            if block.get("type") != "input":
                continue
            element = block["element"]
            if element["type"] == "static_select":
                chosen = values.get(block["block_id"])
                option = (
                    {"text": {"type": "plain_text", "text": chosen}, "value": chosen}
                    if chosen
                    else None
                )
                state[block["block_id"]] = {
                    element["action_id"]: {"type": "static_select", "selected_option": option}
                }
            elif element["type"] == "plain_text_input":
                state[block["block_id"]] = {
                    element["action_id"]: {"type": "plain_text_input", "value": comment}
                }
        return {
            "type": "view_submission",
            "team": {"id": self.fake.team, "domain": "fake"},
            "user": {"id": user, "team_id": self.fake.team, "name": user.lower()},
            "api_app_id": "AFAKE",
            "trigger_id": self.fake.new_trigger(),
            "view": {
                "id": "VSUBMIT",
                "type": "modal",
                "callback_id": view["callback_id"],
                "private_metadata": view.get("private_metadata", ""),
                "blocks": view.get("blocks", []),
                "state": {"values": state},
            },
        }

    def reaction(
        self, user: str, name: str, *, channel: str, ts: str, event_id: str | None = None
    ) -> dict[str, Any]:
        return {
            "token": "legacy-unused",
            "team_id": self.fake.team,
            "api_app_id": "AFAKE",
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(self._event_ids):08d}",
            "event_time": int(time.time()),
            "authorizations": [
                {"team_id": self.fake.team, "user_id": self.fake.bot_user, "is_bot": True}
            ],
            "event": {
                "type": "reaction_added",
                "user": user,
                "reaction": name,
                "item": {"type": "message", "channel": channel, "ts": ts},
                "item_user": self.fake.bot_user,
                "event_ts": f"{time.time():.6f}",
            },
        }

    # --- delivery -----------------------------------------------------------------

    async def command(self, payload: dict[str, str], **kw: Any) -> Delivered:
        return await self._deliver(
            "slash_commands", payload, urlencode(payload), "application/x-www-form-urlencoded", **kw
        )

    async def interaction(self, payload: dict[str, Any], **kw: Any) -> Delivered:
        body = urlencode({"payload": json.dumps(payload)})
        return await self._deliver(
            "interactive", payload, body, "application/x-www-form-urlencoded", **kw
        )

    async def event(self, payload: dict[str, Any], **kw: Any) -> Delivered:
        return await self._deliver(
            "events_api", payload, json.dumps(payload), "application/json", **kw
        )

    async def _deliver(
        self,
        kind: str,
        payload: dict[str, Any],
        body: str,
        content_type: str,
        *,
        retry: int = 0,
        timestamp: int | None = None,
        signature: str | None = None,
    ) -> Delivered:
        if self.url is None:
            ack = await self.fake.push(kind, payload, retry_attempt=retry)
            return Delivered(200, ack.get("payload"))
        ts = str(int(time.time()) if timestamp is None else timestamp)
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature or sign(self.secret, ts, body),
        }
        if retry:
            headers["X-Slack-Retry-Num"] = str(retry)
            headers["X-Slack-Retry-Reason"] = "http_timeout"
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.url, data=body.encode(), headers=headers) as resp,
        ):
            text = await resp.text()
            try:
                parsed: Any = json.loads(text) if text else None
            except ValueError:
                parsed = text
            return Delivered(resp.status, parsed)
