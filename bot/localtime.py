"""Times as a member reads them: in their own zone, with the weekday, never bare UTC."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo


def when(at: datetime, tz: str) -> str:
    """``Tue 8 Dec 18:00 (Europe/Berlin)``."""
    local = at.astimezone(ZoneInfo(tz))
    return f"{local:%a} {local.day} {local:%b %H:%M} ({tz})"


def clock(at: datetime, tz: str) -> str:
    """``Thu 20:45``: the time of day somewhere, with its weekday."""
    return f"{at.astimezone(ZoneInfo(tz)):%a %H:%M}"
