"""Window mode at the moment a pair's space opens: the times proposed inside everyone's
availability, the window's end, and the place to talk (a private voice channel, the
community's meeting link, a huddle in the space)."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from functools import lru_cache

from bot import availability
from bot.model import CommunityConfig, Member, Session, platform_of
from bot.ports import ChatPort

SLOTS = 3
FIRST_AFTER = timedelta(hours=2)  # the earliest proposal leaves time to see it and plan
STEP = timedelta(minutes=30)  # proposals start on the hour or the half hour
DEFAULT_MEETING = "https://meet.jit.si/mockround-{session}"


def window_end(cfg: CommunityConfig, s: Session, now: datetime) -> datetime:
    """From the session's creation, so a space reopened after a crash keeps its window."""
    return (s.created_at or now) + timedelta(days=cfg.window_days)


def free_hours(cfg: CommunityConfig, members: Sequence[Member], now: datetime) -> dict[str, int]:
    """Window mode: each member's free hours in the coming window, as a mask the pairing
    compares (members with the same availability and zone share one computation)."""
    if cfg.meet != "window":
        return {}
    start, hours = _round_up(now + FIRST_AFTER), cfg.window_days * 24
    masks: dict[tuple[str | None, str], int] = {}
    out = {}
    for m in members:
        key = (m.availability, m.timezone)
        if key not in masks:
            masks[key] = availability.hour_mask(
                availability.of(m.availability), m.timezone, start, hours
            )
        out[m.user.id] = masks[key]
    return out


def proposals(
    members: Sequence[Member], start: datetime, end: datetime, length: timedelta
) -> tuple[datetime, ...]:
    """Up to ``SLOTS`` starts inside everyone's availability, each with room for a whole
    session, spread over the window: the first that fits in each third of it, then any."""
    start = _round_up(start + FIRST_AFTER)
    free = availability.common([_free(m.availability, m.timezone, start, end) for m in members])
    starts: list[datetime] = []
    for a, b in free:
        at = _round_up(a)
        while at + length <= b:
            starts.append(at)
            at += STEP
    if not starts:
        return ()
    third = (end - start) / SLOTS
    chosen: list[datetime] = []
    for k in range(SLOTS):
        lo, hi = start + third * k, start + third * (k + 1)
        pick = next((at for at in starts if lo <= at < hi and _apart(at, chosen, length)), None)
        if pick is not None:
            chosen.append(pick)
    for at in starts:  # a narrow overlap: fill from what is left, still apart
        if len(chosen) >= SLOTS:
            break
        if _apart(at, chosen, length):
            chosen.append(at)
    return tuple(sorted(chosen))


@lru_cache(maxsize=1024)
def _free(text: str | None, tz: str, start: datetime, end: datetime) -> tuple:
    """A member's free time in the window. Cached: a round's spaces open in the same window,
    and most members share a few availabilities and zones."""
    return tuple(availability.intervals(availability.of(text), tz, start, end))


def _apart(at: datetime, chosen: list[datetime], length: timedelta) -> bool:
    return all(abs(at - c) >= length for c in chosen)


def _round_up(at: datetime) -> datetime:
    base = at.replace(second=0, microsecond=0, minute=0)
    while base < at:
        base += STEP
    return base


def unguessable() -> str:
    return secrets.token_urlsafe(12).replace("_", "x")


def meeting_link(template: str, token: Callable[[], str] = unguessable) -> str:
    """The community's link with ``{session}`` replaced by an id nobody can guess."""
    return template.replace("{session}", token())


async def place_to_talk(
    chat: ChatPort,
    cfg: CommunityConfig,
    users,
    title: str,
    *,
    reopening: bool,
    token: Callable[[], str] = unguessable,
):
    """(place, voice channel): the community's meeting link if it set one; else a private
    voice channel where the platform can open one; else a huddle in the space where the
    platform has them; else a meeting link nobody can guess on a public Jitsi server."""
    if cfg.meeting:
        return meeting_link(cfg.meeting, token), None
    room = await chat.open_voice(cfg.voice_category, users, title, reopening=reopening)
    if room is not None:
        return f"your private voice channel {room.link}", room.channel
    if chat.capabilities_for(platform_of(cfg.community)).huddles:
        return "a huddle in this conversation (the headphones button at its top)", None
    return meeting_link(DEFAULT_MEETING, token), None
