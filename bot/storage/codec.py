"""Rows <-> model values. Refs are stored as their ids; the community key restores the rest."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from bot.messages import Attachment, Button, OutMessage
from bot.model import (
    ChannelRef,
    CommunityConfig,
    Member,
    Phase,
    Proposal,
    Round,
    Schedule,
    Session,
    Timer,
    Turn,
    UserRef,
)


def split_community(community: str) -> tuple[str, str]:
    platform, _, workspace = community.partition(":")
    return platform, workspace


def user(community: str, user_id: str) -> UserRef:
    return UserRef(*split_community(community), user_id)


def channel(community: str, channel_id: str) -> ChannelRef:
    return ChannelRef(*split_community(community), channel_id)


def member_from_row(row: Mapping[str, Any]) -> Member:
    paused = row["paused_until"]
    return Member(
        user=user(row["community"], row["user_id"]),
        name=row["name"],
        track=row["track"],
        level=row["level"],
        timezone=row["timezone"],
        status=row["status"],
        paused_until=paused.date() if paused else None,
        joined_at=row["joined_at"],
        waiting_since=row["waiting_since"],
        slot=row["slot"] or 1,
        hide_from_board=bool(row["hide_from_board"]),
        stats_private=bool(row["stats_private"]),
        availability=row["availability"],
    )


def turns_to_json(turns: tuple[Turn, ...]) -> list[list[str]]:
    return [[t.interviewer.id, t.candidate.id, t.question_id] for t in turns]


def session_from_row(row: Mapping[str, Any]) -> Session:
    c = row["community"]
    return Session(
        id=row["id"],
        community=c,
        round_id=row["round_id"],
        members=tuple(user(c, m) for m in row["members"]),
        turns=tuple(Turn(user(c, i), user(c, k), q) for i, k, q in row["turns"]),
        phase=Phase(row["phase"]),
        turn_index=row["turn_index"],
        phase_ends_at=row["phase_ends_at"],
        space=channel(c, row["space"]) if row["space"] else None,
        confirmed=frozenset(user(c, m) for m in row["confirmed"]),
        created_at=row["created_at"],
        ended_at=row["ended_at"],
        ended_by=user(c, row["ended_by"]) if row["ended_by"] else None,
        absent=frozenset(user(c, m) for m in row["absent"] or ()),
        phase_started_at=row["phase_started_at"],
        proposals=tuple(
            Proposal(
                datetime.fromisoformat(at),
                frozenset(user(c, m) for m in accepted),
                user(c, by) if by else None,
            )
            for at, accepted, by in row["proposals"] or ()
        ),
        starts_at=row["starts_at"],
        window_ends_at=row["window_ends_at"],
        answered=frozenset(user(c, m) for m in row["answered"] or ()),
        sequence=row["sequence"] or 0,
        place=row["place"],
        voice=channel(c, row["voice"]) if row["voice"] else None,
    )


def session_to_row(s: Session) -> dict[str, Any]:
    return {
        "id": s.id,
        "community": s.community,
        "round_id": s.round_id,
        "members": [m.id for m in s.members],
        "turns": turns_to_json(s.turns),
        "phase": s.phase.value,
        "turn_index": s.turn_index,
        "phase_ends_at": s.phase_ends_at,
        "space": s.space.id if s.space else None,
        "confirmed": sorted(m.id for m in s.confirmed),
        "created_at": s.created_at,
        "ended_at": s.ended_at,
        "ended_by": s.ended_by.id if s.ended_by else None,
        "absent": sorted(m.id for m in s.absent),
        "phase_started_at": s.phase_started_at,
        "proposals": [
            [p.at.isoformat(), sorted(m.id for m in p.accepted), p.by.id if p.by else None]
            for p in s.proposals
        ],
        "starts_at": s.starts_at,
        "window_ends_at": s.window_ends_at,
        "answered": sorted(m.id for m in s.answered),
        "sequence": s.sequence,
        "place": s.place,
        "voice": s.voice.id if s.voice else None,
    }


def round_from_row(row: Mapping[str, Any]) -> Round:
    return Round(
        id=row["id"],
        community=row["community"],
        seed=row["seed"],
        kind=row["kind"],
        status=row["status"],
        created_at=row["created_at"],
        unplaced=dict(row["unplaced"]),
        slot=row["slot"] or 0,
        channel=channel(row["community"], row["channel"]) if row["channel"] else None,
    )


def timer_from_row(row: Mapping[str, Any]) -> Timer:
    return Timer(
        id=row["id"],
        community=row["community"],
        kind=row["kind"],
        subject=row["subject"],
        key=row["key"],
        due_at=row["due_at"],
    )


def _slot_to_json(s: Schedule) -> dict[str, Any]:
    return {
        "weekday": s.weekday,
        "time": s.time,
        "timezone": s.timezone,
        "channel": s.channel.id,
        "every": s.every,
        "since": s.since.isoformat() if s.since else None,
    }


def _slot_from_json(community: str, d: Mapping[str, Any]) -> Schedule:
    return Schedule(
        d["weekday"],
        d["time"],
        d["timezone"],
        channel(community, d["channel"]),
        d.get("every", 1),
        date.fromisoformat(d["since"]) if d.get("since") else None,
    )


def config_to_json(cfg: CommunityConfig) -> dict[str, Any]:
    return {
        "intro_minutes": cfg.intro_minutes,
        "prep_minutes": cfg.prep_minutes,
        "answer_minutes": cfg.answer_minutes,
        "feedback_minutes": cfg.feedback_minutes,
        "packs": list(cfg.packs) if cfg.packs is not None else None,
        "slots": [_slot_to_json(s) for s in cfg.slots],
        "level_gap": cfg.level_gap,
        "keep_tracks_apart": cfg.keep_tracks_apart,
        "timezone": cfg.timezone,
        "grace_minutes": cfg.grace_minutes,
        "noshow_pause": cfg.noshow_pause,
        "organiser_role": cfg.organiser_role,
        "report_channel": cfg.report_channel.id if cfg.report_channel else None,
        "meet": cfg.meet,
        "window_days": cfg.window_days,
        "meeting": cfg.meeting,
        "voice_category": cfg.voice_category.id if cfg.voice_category else None,
    }


def config_from_json(community: str, data: Mapping[str, Any]) -> CommunityConfig:
    # before several slots there was one "schedule"
    slots = data.get("slots") or ([data["schedule"]] if data.get("schedule") else [])
    report = data.get("report_channel")
    return CommunityConfig(
        community=community,
        intro_minutes=data["intro_minutes"],
        prep_minutes=data["prep_minutes"],
        answer_minutes=data["answer_minutes"],
        feedback_minutes=data["feedback_minutes"],
        packs=tuple(data["packs"]) if data["packs"] is not None else None,
        slots=tuple(_slot_from_json(community, d) for d in slots),
        level_gap=data["level_gap"],
        keep_tracks_apart=data["keep_tracks_apart"],
        timezone=data["timezone"],
        grace_minutes=data.get("grace_minutes", 10),
        noshow_pause=data.get("noshow_pause", 2),
        organiser_role=data.get("organiser_role"),
        report_channel=channel(community, report) if report else None,
        # communities saved before window mode keep meeting at the round time
        meet=data.get("meet", "live"),
        window_days=data.get("window_days", 6),
        meeting=data.get("meeting"),
        voice_category=channel(community, data["voice_category"])
        if data.get("voice_category")
        else None,
    )


def message_to_json(msg: OutMessage | None) -> dict[str, Any] | None:
    if msg is None:
        return None
    return {
        "text": msg.text,
        "title": msg.title,
        "fields": [list(f) for f in msg.fields],
        "buttons": [[b.action_id, b.label, b.style] for b in msg.buttons],
        "reactions": list(msg.reactions),
        "deadline": msg.deadline.isoformat() if msg.deadline else None,
        "mentions": [m.id for m in msg.mentions],
        "kind": msg.kind,
        "zones": list(msg.zones),
        "files": [[f.name, base64.b64encode(f.data).decode(), f.mime] for f in msg.files],
    }


def message_from_json(community: str, data: Mapping[str, Any] | None) -> OutMessage | None:
    if data is None:
        return None
    return OutMessage(
        text=data["text"],
        title=data["title"],
        fields=tuple(tuple(f) for f in data["fields"]),
        buttons=tuple(Button(*b) for b in data["buttons"]),
        reactions=tuple(data["reactions"]),
        deadline=datetime.fromisoformat(data["deadline"]) if data["deadline"] else None,
        mentions=tuple(user(community, m) for m in data["mentions"]),
        kind=data["kind"],
        zones=tuple(data.get("zones", ())),
        files=tuple(
            Attachment(name, base64.b64decode(blob), mime)
            for name, blob, mime in data.get("files", ())
        ),
    )
