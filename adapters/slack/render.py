"""Neutral messages and forms to Slack text, Block Kit and modal views, and back.

Pure functions: no client, no I/O, so the shapes can be checked without Slack.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from bot.messages import DEADLINE, SCORE_EMOJIS, Form, OutMessage, moments

# Slack names reactions by short name; the core speaks unicode
EMOJI_NAMES: dict[str, str] = {
    **dict(zip(SCORE_EMOJIS, ("one", "two", "three", "four", "five"), strict=True)),
    "✅": "white_check_mark",
    "👍": "+1",
    "👎": "-1",
    "🎉": "tada",
    "⏰": "alarm_clock",
    "⏳": "hourglass_flowing_sand",
    "✋": "raised_hand",
}
EMOJI_BY_NAME: dict[str, str] = {name: emoji for emoji, name in EMOJI_NAMES.items()}

# Block Kit limits (api.slack.com/reference/block-kit)
MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_FIELDS_PER_SECTION = 10
MAX_FIELD_TEXT = 2000
MAX_BUTTONS_PER_ACTIONS = 25
MAX_MODAL_TITLE = 24
MAX_OPTION_TEXT = 75
MAX_METADATA = 3000


def emoji_name(emoji: str) -> str:
    return EMOJI_NAMES.get(emoji, emoji.strip(":"))


def emoji_from_name(name: str) -> str:
    # skin-tone variants arrive as "+1::skin-tone-3"; the base emoji is what counts
    base = name.split("::", 1)[0]
    return EMOJI_BY_NAME.get(base, f":{base}:")


def escape(text: str) -> str:
    """Slack reads &, < and > as markup; the core's text is plain."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def deadline_markup(when: datetime | None) -> str:
    """Each reader sees the end time in their own timezone; the fallback is UTC."""
    if when is None:
        return "soon"
    return f"<!date^{int(when.timestamp())}^{{time}}|{when:%H:%M} UTC>"


def moment(text: str) -> str:
    """Each ``at()`` moment as a date and time in the reader's own zone; the fallback (for
    notifications) names UTC."""

    def show(at: datetime) -> str:
        fallback = f"{at:%a} {at.day} {at:%b %H:%M} UTC"
        return f"<!date^{int(at.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"

    return moments(text, show)


def moment_plain(text: str) -> str:
    return moments(text, lambda at: f"{at:%a} {at.day} {at:%b %H:%M} UTC")


def deadline_plain(when: datetime | None) -> str:
    return "soon" if when is None else f"{when:%H:%M} UTC"


def mrkdwn(msg: OutMessage) -> str:
    mentions = " ".join(f"<@{u.id}>" for u in msg.mentions)
    body = moment(escape(msg.text).replace(DEADLINE, deadline_markup(msg.deadline)))
    return f"{mentions} {body}".strip() if mentions else body


def fallback_text(msg: OutMessage) -> str:
    """The notification and screen-reader text that goes with the blocks."""
    body = moment_plain(escape(msg.text).replace(DEADLINE, deadline_plain(msg.deadline)))
    return f"{escape(msg.title)}: {body}" if msg.title and body else escape(msg.title or "") or body


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def blocks(msg: OutMessage) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if msg.title:
        out.append({"type": "header", "text": {"type": "plain_text", "text": msg.title[:150]}})
    text = mrkdwn(msg)
    for start in range(0, len(text), MAX_SECTION_TEXT):
        out.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": text[start : start + MAX_SECTION_TEXT]},
            }
        )
    fields = [
        {"type": "mrkdwn", "text": f"*{escape(name)}*\n{moment(escape(value))}"[:MAX_FIELD_TEXT]}
        for name, value in msg.fields
    ]
    for group in _chunks(fields, MAX_FIELDS_PER_SECTION):
        out.append({"type": "section", "fields": group})
    buttons = [
        {
            "type": "button",
            "action_id": b.action_id,
            "text": {"type": "plain_text", "text": b.label[:75]},
            **({"style": b.style} if b.style in ("primary", "danger") else {}),
        }
        for b in msg.buttons
    ]
    for group in _chunks(buttons, MAX_BUTTONS_PER_ACTIONS):
        out.append({"type": "actions", "elements": group})
    if len(out) > MAX_BLOCKS:
        out = out[: MAX_BLOCKS - 1] + [
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": "(shortened to fit Slack)"}],
            }
        ]
    return out


def _plain(text: str, limit: int) -> dict[str, str]:
    return {"type": "plain_text", "text": text[:limit] or " "}


def modal(form: Form, private_metadata: str = "") -> dict[str, Any]:
    """One input block per field: block_id and action_id are the field id, so errors map back."""
    view_blocks: list[dict[str, Any]] = []
    for f in form.fields:
        if f.kind == "select":
            element: dict[str, Any] = {
                "type": "static_select",
                "action_id": f.id,
                "options": [
                    {
                        "text": _plain(c.label, MAX_OPTION_TEXT),
                        "value": c.value,
                        **(
                            {"description": _plain(c.description, MAX_OPTION_TEXT)}
                            if c.description
                            else {}
                        ),
                    }
                    for c in f.choices
                ],
            }
        else:
            element = {
                "type": "plain_text_input",
                "action_id": f.id,
                "multiline": True,
                "max_length": f.max_length,
            }
        if f.placeholder:
            element["placeholder"] = _plain(f.placeholder, 150)
        view_blocks.append(
            {
                "type": "input",
                "block_id": f.id,
                "optional": not f.required,
                "label": _plain(f.label, 2000),
                "element": element,
            }
        )
    return {
        "type": "modal",
        "callback_id": form.form_id,
        "title": _plain(form.title, MAX_MODAL_TITLE),
        "submit": _plain("Submit", 24),
        "close": _plain("Cancel", 24),
        "private_metadata": private_metadata[:MAX_METADATA],
        "blocks": view_blocks,
    }


def submitted_values(view: Mapping[str, Any]) -> tuple[dict[str, str], str]:
    """(selected values by field id, the free-text comment) from a view_submission."""
    values: dict[str, str] = {}
    comment = ""
    for block_id, actions in view.get("state", {}).get("values", {}).items():
        for action in actions.values():
            if action.get("type") == "static_select":
                option = action.get("selected_option")
                if option:
                    values[block_id] = option["value"]
            elif action.get("type") == "plain_text_input":
                comment = action.get("value") or ""
    return values, comment
