"""Argument checks shared by every platform. Each failure is one line saying what is accepted."""

from __future__ import annotations

import re
from collections.abc import Collection
from functools import cache
from zoneinfo import available_timezones

from bot.commands import BadInput
from bot.model import LEVELS, PERIODS, WEEKDAYS

_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def timezone(value: str | None) -> str:
    if value is None or not value.strip():
        raise BadInput(
            "timezone is required: an IANA name such as Europe/Berlin or America/New_York"
        )
    name = value.strip()
    if name.upper() == "UTC":
        return "UTC"
    if name in _zones():
        return name
    raise BadInput(
        f"unknown timezone '{name}': use an IANA name such as Europe/Berlin or Asia/Tokyo"
    )


@cache
def _zones() -> frozenset[str]:
    """Read once: the set of names is fixed while the process runs."""
    return frozenset(available_timezones())


def level(value: str | None) -> str:
    v = (value or "").strip().lower()
    if v not in LEVELS:
        raise BadInput(f"unknown level '{value}': accepted are {', '.join(LEVELS)}")
    return v


def track(value: str | None, tracks: Collection[str]) -> str:
    v = (value or "").strip().lower()
    if v not in tracks:
        raise BadInput(f"unknown track '{value}': accepted are {', '.join(sorted(tracks))}")
    return v


def period(value: str | None) -> str:
    v = (value or "week").strip().lower()
    if v not in PERIODS:
        raise BadInput(f"unknown period '{value}': accepted are {', '.join(PERIODS)}")
    return v


def whole_number(name: str, value: str | int | None, low: int, high: int) -> int:
    try:
        n = int(str(value).strip())
    except (TypeError, ValueError):
        raise BadInput(
            f"{name} must be a whole number from {low} to {high}, not '{value}'"
        ) from None
    if not low <= n <= high:
        raise BadInput(f"{name} must be a whole number from {low} to {high}, not {n}")
    return n


def weekday(value: str) -> str:
    v = value.strip().lower()[:3]
    if v not in WEEKDAYS or len(value.strip()) < 3:
        raise BadInput(f"unknown weekday '{value}': accepted are {', '.join(WEEKDAYS)}")
    return v


def clock_time(value: str) -> str:
    m = _TIME.match(value.strip())
    if not m:
        raise BadInput(f"unknown time '{value}': use 24-hour HH:MM, e.g. 18:30")
    return f"{int(m.group(1)):02d}:{m.group(2)}"


def score(name: str, value: str | int | None) -> int:
    try:
        n = int(str(value).strip())
    except (TypeError, ValueError):
        raise BadInput(f"{name}: choose a score from 1 to 5") from None
    if not 1 <= n <= 5:
        raise BadInput(f"{name}: choose a score from 1 to 5, not {n}")
    return n


def quote(value: object, limit: int = 100) -> str:
    """What the member typed, short enough to repeat in a one-line answer."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
