"""Table definitions (SQLAlchemy Core). Every row carries its community: queries are scoped by it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)
from sqlalchemy.dialects import postgresql, sqlite


class UTCDateTime(TypeDecorator):
    """Stored as naive UTC on every backend, returned aware: no silent local-time drift."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use aware UTC datetimes")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):
        return None if value is None else value.replace(tzinfo=UTC)


def insert_for(dialect: str, table: Table):
    """The dialect's own INSERT, which can say ON CONFLICT (SQLite's and PostgreSQL's alike)."""
    return (sqlite.insert if dialect == "sqlite" else postgresql.insert)(table)


metadata = MetaData()

schema_version = Table("schema_version", metadata, Column("version", Integer, nullable=False))

communities = Table(
    "communities",
    metadata,
    Column("community", String(200), primary_key=True),
    Column("config", JSON, nullable=False),
)

members = Table(
    "members",
    metadata,
    Column("community", String(200), primary_key=True),
    Column("user_id", String(100), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("track", String(60), nullable=False),
    Column("level", String(20), nullable=False),
    Column("timezone", String(60), nullable=False),
    Column("status", String(10), nullable=False),
    Column("paused_until", UTCDateTime),
    Column("joined_at", UTCDateTime),
    Column("waiting_since", UTCDateTime),
    Column("interviewed", Integer, nullable=False, default=0),
    Column("candidated", Integer, nullable=False, default=0),
    Column("last_sat_out", UTCDateTime),
    Column("slot", Integer),  # added in version 5
    Column("hide_from_board", Boolean),  # added in version 5
    Column("stats_private", Boolean),  # added in version 5
    Column("availability", String(400)),  # added in version 7
    # `now` reads who waits for a partner, not the whole community (added in version 9)
    Index("ix_members_waiting", "community", "waiting_since"),
)
# the few hidden from the boards, which every board leaves out (added in version 11)
Index(
    "ix_members_hidden",
    members.c.community,
    sqlite_where=members.c.hide_from_board.is_(True),
    postgresql_where=members.c.hide_from_board.is_(True),
)

rounds = Table(
    "rounds",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("community", String(200), nullable=False, index=True),
    Column("seed", Integer, nullable=False),
    Column("kind", String(12), nullable=False),
    Column("status", String(12), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("unplaced", JSON, nullable=False),
    Column("slot", Integer),  # added in version 5
    Column("channel", String(100)),  # added in version 5
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("community", String(200), nullable=False),
    Column("round_id", String(40), nullable=False, index=True),
    Column("members", JSON, nullable=False),
    Column("turns", JSON, nullable=False),
    Column("phase", String(12), nullable=False),
    Column("turn_index", Integer, nullable=False),
    Column("phase_ends_at", UTCDateTime),
    Column("space", String(100)),
    Column("confirmed", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime),
    Column("ended_by", String(100)),
    Column("absent", JSON),  # added in version 4
    Column("phase_started_at", UTCDateTime),  # added in version 4
    # window mode's booking, added in version 7
    Column("proposals", JSON),
    Column("starts_at", UTCDateTime),
    Column("window_ends_at", UTCDateTime),
    Column("answered", JSON),
    Column("sequence", Integer),
    Column("place", String(400)),
    Column("voice", String(100)),
    Index("ix_sessions_community_phase", "community", "phase"),
)

# one row per member per session: "my latest session", history and streaks without JSON scans
participants = Table(
    "participants",
    metadata,
    Column("community", String(200), primary_key=True),
    Column("user_id", String(100), primary_key=True),
    Column("session_id", String(40), primary_key=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("track", String(60), nullable=False),
    Column("completed_at", UTCDateTime),
    Column("attended", Boolean),  # added in version 4: None until the intro settles it
    Index("ix_participants_latest", "community", "user_id", "created_at"),
)

meetings = Table(
    "meetings",
    metadata,
    Column("community", String(200), nullable=False),
    Column("a", String(100), nullable=False),
    Column("b", String(100), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Index("ix_meetings_community", "community", "at"),
    # a few members' past partners, for `now` (added in version 9)
    Index("ix_meetings_member", "community", "a", "at"),
)

answered = Table(
    "answered",
    metadata,
    Column("community", String(200), primary_key=True),
    Column("user_id", String(100), primary_key=True),
    Column("question_id", String(100), primary_key=True),
    Column("at", UTCDateTime, nullable=False),
)

message_links = Table(
    "message_links",
    metadata,
    Column("platform", String(20), primary_key=True),
    Column("workspace", String(100), primary_key=True),
    Column("channel", String(100), primary_key=True),
    Column("message_id", String(100), primary_key=True),
    Column("community", String(200), nullable=False),
    Column("session_id", String(40)),
    Column("turn", Integer),
    Column("purpose", String(20), nullable=False),  # feedback | signup
)

ratings = Table(
    "ratings",
    metadata,
    Column("community", String(200), nullable=False),
    Column("session_id", String(40), primary_key=True),
    Column("turn", Integer, primary_key=True),
    Column("rater", String(100), primary_key=True),
    Column("ratee", String(100), primary_key=True),
    Column("overall", Float, nullable=False),
    Column("scores", JSON, nullable=False),
    Column("comment", Text, nullable=False),
    Column("source", String(10), nullable=False),
    Column("track", String(60), nullable=False),
    Column("submitted_at", UTCDateTime, nullable=False),
    Column("about", String(10)),  # added in version 4: answer (None before) | feedback
    Index("ix_ratings_board", "community", "submitted_at", "track", "ratee", "rater", "overall"),
    # one member's ratings, for /mock stats (added in version 9)
    Index("ix_ratings_ratee", "community", "ratee", "about"),
)

# a timers row of this kind is a saved session's space to open: it has the timers' lease, but
# the round's openers run it (many at once), never the scheduler (one timer after the other)
OPENING = "open"

timers = Table(
    "timers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("community", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("key", String(40), nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    Column("fired_at", UTCDateTime),
    # several replicas on PostgreSQL: who runs it, until when (added in version 8)
    Column("lease_owner", String(80)),
    Column("lease_until", UTCDateTime),
    Index("ix_timers_due", "fired_at", "due_at"),
    Index("ix_timers_subject", "subject"),
)

seen_events = Table(
    "seen_events",
    metadata,
    Column("community", String(200), primary_key=True),
    Column("event_id", String(200), primary_key=True),
    Column("at", UTCDateTime, nullable=False),
)

VERSION_1 = (
    schema_version,
    communities,
    members,
    rounds,
    sessions,
    participants,
    meetings,
    answered,
    message_links,
    ratings,
    timers,
    seen_events,
)

# messages a transition owes its members, written with the transition and sent after it
outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("community", String(200), nullable=False),
    Column("session_id", String(40), nullable=False),
    Column("kind", String(10), nullable=False),  # post | private | close
    Column("target", String(100), nullable=False),  # the space's channel id
    Column("user_id", String(100)),  # private: who sees it
    Column("message", JSON),
    Column("link", String(20)),
    Column("turn", Integer),
    Column("created_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime),
    # set before the first send: a row tried and not marked sent may be on the platform already
    Column("tried_at", UTCDateTime),  # added in version 6
    # several replicas on PostgreSQL: who sends it, until when (added in version 8)
    Column("claimed_by", String(80)),
    Column("claimed_until", UTCDateTime),
    Index("ix_outbox_pending", "sent_at", "id"),
    # one session's queued posts, while thousands of spaces open (added in version 9)
    Index("ix_outbox_session", "session_id", "sent_at"),
)

VERSION_3 = (outbox,)

# one row per member in a live session: the primary key lets no member be in two at once,
# whatever races between a check and a write
live_members = Table(
    "live_members",
    metadata,
    Column("community", String(200), primary_key=True),
    Column("user_id", String(100), primary_key=True),
    Column("session_id", String(40), nullable=False, index=True),
)

# at most one running weekly round per community and slot, held by the database
running_round = Index(
    "ux_rounds_running_slot",
    rounds.c.community,
    rounds.c.slot,
    unique=True,
    sqlite_where=(rounds.c.status == "running") & (rounds.c.kind == "weekly"),
    postgresql_where=(rounds.c.status == "running") & (rounds.c.kind == "weekly"),
)

VERSION_4_TABLES = (live_members,)
VERSION_4_COLUMNS = (
    sessions.c.absent,
    sessions.c.phase_started_at,
    participants.c.attended,
    ratings.c.about,
)

VERSION_5_COLUMNS = (
    members.c.slot,
    members.c.hide_from_board,
    members.c.stats_private,
    rounds.c.slot,
    rounds.c.channel,
)

VERSION_6_COLUMNS = (outbox.c.tried_at,)
VERSION_7_COLUMNS = (
    members.c.availability,
    sessions.c.proposals,
    sessions.c.starts_at,
    sessions.c.window_ends_at,
    sessions.c.answered,
    sessions.c.sequence,
    sessions.c.place,
    sessions.c.voice,
)
VERSION_8_COLUMNS = (
    timers.c.lease_owner,
    timers.c.lease_until,
    outbox.c.claimed_by,
    outbox.c.claimed_until,
)

VERSION_9_INDEXES = (
    next(i for i in members.indexes if i.name == "ix_members_waiting"),
    next(i for i in meetings.indexes if i.name == "ix_meetings_member"),
    next(i for i in ratings.indexes if i.name == "ix_ratings_ratee"),
    next(i for i in outbox.indexes if i.name == "ix_outbox_session"),
)
VERSION_11_INDEXES = (next(i for i in members.indexes if i.name == "ix_members_hidden"),)
