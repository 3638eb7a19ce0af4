"""Argument checks shared by every platform. Each failure is one line saying what is accepted."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Collection, Mapping

from bot import timezones
from bot.commands import BadInput, quote  # noqa: F401 - validation.quote for callers
from bot.model import LEVELS, PERIODS, WEEKDAYS, ChannelRef

_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def timezone(value: str | None) -> str:
    """The IANA zone meant by what was typed (see bot.timezones for what is understood)."""
    return timezones.parse(value).name


def level(value: str | None) -> str:
    v = (value or "").strip().lower()
    if v not in LEVELS:
        raise BadInput(f"unknown level '{quote(value)}': accepted are {', '.join(LEVELS)}")
    return v


def track(value: str | None, tracks: Collection[str]) -> str:
    v = (value or "").strip().lower()
    if v not in tracks:
        raise BadInput(f"unknown track '{quote(value)}': accepted are {', '.join(sorted(tracks))}")
    return v


def period(value: str | None) -> str:
    v = (value or "week").strip().lower()
    if v not in PERIODS:
        raise BadInput(f"unknown period '{quote(value)}': accepted are {', '.join(PERIODS)}")
    return v


def whole_number(name: str, value: str | int | None, low: int, high: int) -> int:
    try:
        n = int(str(value).strip())
    except (TypeError, ValueError):
        raise BadInput(
            f"{name} must be a whole number from {low} to {high}, not '{quote(value)}'"
        ) from None
    if not low <= n <= high:
        raise BadInput(f"{name} must be a whole number from {low} to {high}, not {n}")
    return n


def weekday(value: str) -> str:
    v = value.strip().lower()[:3]
    if v not in WEEKDAYS or len(value.strip()) < 3:
        raise BadInput(f"unknown weekday '{quote(value)}': accepted are {', '.join(WEEKDAYS)}")
    return v


def clock_time(value: str) -> str:
    m = _TIME.match(value.strip())
    if not m:
        raise BadInput(f"unknown time '{quote(value)}': use 24-hour HH:MM, e.g. 18:30")
    return f"{int(m.group(1)):02d}:{m.group(2)}"


def score(name: str, value: str | int | None) -> int:
    try:
        n = int(str(value).strip())
    except (TypeError, ValueError):
        raise BadInput(f"{name}: choose a score from 1 to 5") from None
    if not 1 <= n <= 5:
        raise BadInput(f"{name}: choose a score from 1 to 5, not {n}")
    return n


_MENTION = re.compile(r"^<(?:@&|!subteam\^|#)([A-Za-z0-9]+)(?:\|[^>]*)?>$")


def group_id(value: str) -> str:
    """A role (Discord ``<@&id>``) or user group (Slack ``<!subteam^ID|name>``), or its id."""
    v = value.strip()
    m = _MENTION.match(v)
    if m:
        return m.group(1)
    if re.fullmatch(r"[A-Za-z0-9_-]{1,40}", v):
        return v
    raise BadInput(f"organiser must be a role or user group (mention it), not '{quote(v, 40)}'")


def channel_ref(value: str, community: str, setting: str = "reports") -> ChannelRef:
    """A channel mention or id, in the community's workspace."""
    v = value.strip().lstrip("#")
    m = _MENTION.match(value.strip())
    ident = m.group(1) if m else v
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,80}", ident):
        raise BadInput(f"{setting} must name a channel (mention it), not '{quote(value, 40)}'")
    platform, _, workspace = community.partition(":")
    return ChannelRef(platform, workspace, ident)


def _broken(text: str) -> bool:
    """A lone surrogate: half an emoji, which no database or platform can store."""
    return any("\ud800" <= ch <= "\udfff" for ch in text)


def storable(cmd):
    """The command, if every text a member typed in it can be stored; a display name with
    a broken character is mended (the member did not type it here)."""
    for f in dataclasses.fields(cmd):
        value = getattr(cmd, f.name)
        texts = (
            [value]
            if isinstance(value, str)
            else [str(x) for kv in value.items() for x in kv]
            if isinstance(value, Mapping)
            else []
        )
        if f.name == "actor_name" and _broken(value):
            cmd = dataclasses.replace(
                cmd, actor_name=value.encode("utf-8", "replace").decode("utf-8")
            )
        elif any(_broken(t) for t in texts):
            what = f.name.replace("_", " ")
            raise BadInput(
                f"the {what} has a broken character (half of an emoji?): retype it and send again"
            )
    return cmd


def meeting_template(value: str) -> str | None:
    """A meeting link with ``{session}`` where each pair's own id goes; none: no template."""
    v = value.strip()
    if v.lower() in ("none", "off"):
        return None
    if not v.startswith("https://") or "{session}" not in v or len(v) > 300 or " " in v:
        raise BadInput(
            f"meeting must be an https:// link containing {{session}}, e.g. "
            f"https://meet.jit.si/mockround-{{session}}, or none (not '{quote(v)}')"
        )
    return v
