"""When a member can meet, as they typed it in their own zone: ``mon-fri 18:00-22:00, sat
10:00-14:00``. Turned into UTC intervals for a given window with the zone's real offsets,
so a window that crosses a daylight-saving change books the hours the member meant."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from bot.commands import BadInput, quote
from bot.model import WEEKDAYS

EXAMPLE = "mon-fri 18:00-22:00, sat 10:00-14:00"
DEFAULT_TEXT = "mon-fri 18:00-22:00, sat-sun 09:00-21:00"  # evenings and weekend days
DAY_WORDS = {
    "daily": (0, 6),
    "everyday": (0, 6),
    "weekdays": (0, 4),
    "weekends": (5, 6),
    "weekend": (5, 6),
}
_RANGE = re.compile(r"^(\d{1,2})(?::(\d{2}))?-(\d{1,2})(?::(\d{2}))?$")
MAX_RANGES = 28


@dataclass(frozen=True, slots=True, order=True)
class Range:
    day: int  # 0 = Monday, in the member's zone
    start: int  # minutes after local midnight
    end: int  # minutes after local midnight of the same day; may pass 24:00 (into the next)


Interval = tuple[datetime, datetime]


def parse(text: str | None) -> tuple[Range, ...]:
    """The ranges meant, or BadInput saying what is accepted."""
    entries = [e.strip() for e in (text or "").lower().replace(";", ",").split(",")]
    if not any(entries):
        raise BadInput(f"say when you can meet, in your own time: e.g. {EXAMPLE}")
    out: list[Range] = []
    for entry in entries:
        if not entry:
            continue
        words = entry.split()
        if len(words) < 2:
            raise BadInput(f"'{quote(entry)}' needs days and hours, e.g. {EXAMPLE}")
        first, last = _days(words[0])
        for word in words[1:]:
            start, end = _hours(word)
            days = range(first, last + 1) if first <= last else [*range(first, 7), *range(last + 1)]
            out += [Range(day, start, end) for day in days]
    if len(out) > MAX_RANGES:
        raise BadInput(f"at most {MAX_RANGES} day-ranges: merge some, e.g. {EXAMPLE}")
    return tuple(sorted(set(out)))


def _days(word: str) -> tuple[int, int]:
    if word in DAY_WORDS:
        return DAY_WORDS[word]
    a, _, b = word.partition("-")
    try:
        first = WEEKDAYS.index(a[:3]) if len(a) >= 3 else -1
        last = WEEKDAYS.index(b[:3]) if b and len(b) >= 3 else first if not b else -1
    except ValueError:
        first = last = -1
    if first < 0 or last < 0:
        raise BadInput(
            f"unknown days '{quote(word)}': use mon..sun, a span like mon-fri, weekdays, "
            f"weekends or daily (e.g. {EXAMPLE})"
        )
    return first, last


def _hours(word: str) -> tuple[int, int]:
    m = _RANGE.match(word)
    bad = BadInput(f"unknown hours '{quote(word)}': use HH:MM-HH:MM, e.g. 18:00-22:00")
    if not m:
        raise bad
    h1, m1, h2, m2 = (int(g or 0) for g in m.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
        raise bad
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if end <= start:
        end += 24 * 60  # 22:00-01:00 runs past midnight
    if end - start < 30:
        raise BadInput(f"'{quote(word)}' is shorter than 30 minutes: give a longer range")
    return start, end


def describe(ranges: tuple[Range, ...]) -> str:
    """``mon-fri 18:00-22:00, sat 10:00-14:00``: days with the same hours are joined."""
    by_hours: dict[tuple[int, int], list[int]] = {}
    for r in ranges:
        by_hours.setdefault((r.start, r.end), []).append(r.day)
    parts = []
    for (start, end), days in sorted(by_hours.items(), key=lambda kv: (min(kv[1]), kv[0])):
        parts.append(f"{_span(sorted(days))} {_hm(start)}-{_hm(end)}")
    return ", ".join(parts)


def _span(days: list[int]) -> str:
    runs, start = [], days[0]
    for prev, cur in zip(days, [*days[1:], None], strict=True):
        if cur != prev + 1 if cur is not None else True:
            runs.append(WEEKDAYS[start] if start == prev else f"{WEEKDAYS[start]}-{WEEKDAYS[prev]}")
            start = cur
    return "/".join(runs)


def _hm(minutes: int) -> str:
    if minutes > 1440:
        minutes -= 1440  # past midnight: 22:00-01:00
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@lru_cache(maxsize=4096)
def of(text: str | None) -> tuple[Range, ...]:
    """A stored availability (None: the default, until the member sets theirs). Cached:
    a round reads the same few texts for every pair it opens."""
    return parse(text or DEFAULT_TEXT)


def shown(text: str | None) -> str:
    """A stored availability as members read it (the default's, until they set theirs)."""
    return describe(of(text))


def intervals(ranges: tuple[Range, ...], tz: str, start: datetime, end: datetime) -> list[Interval]:
    """The member's free time inside [start, end), as UTC intervals, merged and sorted."""
    zone = ZoneInfo(tz)
    first = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date()
    out: list[Interval] = []
    day = first
    while day <= last:
        for r in ranges:
            if r.day != day.weekday():
                continue
            a = _local(day, r.start, zone)
            b = _local(day, r.end, zone)
            a, b = max(a, start), min(b, end)
            if a < b:
                out.append((a, b))
        day += timedelta(days=1)
    return merge(out)


def _local(day: date, minutes: int, zone: ZoneInfo) -> datetime:
    day = day + timedelta(days=minutes // 1440)
    minutes %= 1440
    # a wall time skipped by a daylight-saving jump reads as the same instant an hour on
    return datetime.combine(day, time(minutes // 60, minutes % 60), zone).astimezone(UTC)


def merge(spans: list[Interval]) -> list[Interval]:
    out: list[Interval] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def common(each: list[list[Interval]]) -> list[Interval]:
    """The time every member is free."""
    if not each:
        return []
    shared = each[0]
    for other in each[1:]:
        shared = [
            (max(a, c), min(b, d)) for a, b in shared for c, d in other if max(a, c) < min(b, d)
        ]
    return shared


def hour_mask(ranges: tuple[Range, ...], tz: str, start: datetime, hours: int) -> int:
    """Bit i is set when the member is free for the whole hour starting i hours after
    ``start``: the pairing compares members with one AND and a popcount."""
    mask = 0
    for a, b in intervals(ranges, tz, start, start + timedelta(hours=hours)):
        first = -(-int((a - start).total_seconds()) // 3600)  # the first whole hour inside
        last = int((b - start).total_seconds()) // 3600
        for i in range(first, last):
            mask |= 1 << i
    return mask
