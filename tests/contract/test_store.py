"""The Store contract, run against every backend (a second backend joins the parameter list)."""

from __future__ import annotations

import gc
import os
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.messages import OutMessage
from bot.model import (
    ChannelRef,
    CommunityConfig,
    Member,
    MessageRef,
    Phase,
    Rating,
    Round,
    Schedule,
    Session,
    Turn,
    UserRef,
)
from bot.storage.sql import SqlStore
from bot.storage.sql_engine import AlreadyHandled
from bot.storage.sql_rounds import Conflict

NOW = datetime(2026, 2, 2, 12, 0, tzinfo=UTC)
BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("MOCKROUND_TEST_POSTGRES_URL") else [])


def u(name: str, workspace: str = "w1") -> UserRef:
    return UserRef("discord", workspace, name)


@pytest.fixture(params=BACKENDS)
async def store(request, tmp_path):
    if request.param == "sqlite":
        s = SqlStore(f"sqlite+aiosqlite:///{tmp_path / 'store.db'}")
    else:
        s = SqlStore(os.environ["MOCKROUND_TEST_POSTGRES_URL"])
        await s.migrate()
        await _wipe(s)
    await s.migrate()
    yield s
    await s.close()


async def _wipe(s: SqlStore) -> None:
    from bot.storage import schema

    async with s._engine.begin() as conn:
        for table in reversed(schema.metadata.sorted_tables):
            if table is not schema.schema_version:
                await conn.execute(table.delete())


def member(name: str, workspace: str = "w1", **kw) -> Member:
    return Member(
        u(name, workspace), name.title(), "coding", "mid", "Europe/Berlin", joined_at=NOW, **kw
    )


def session(sid="r1-0", members=("a", "b")) -> Session:
    users = tuple(u(m) for m in members)
    turns = (Turn(users[0], users[1], "q1"), Turn(users[1], users[0], "q2"))
    return Session(sid, "discord:w1", "r1", users, turns, created_at=NOW)


async def test_migrating_twice_is_harmless(store):
    assert await store.migrate() == await store.migrate() >= 1


async def test_members_round_trip_and_stay_in_their_community(store):
    await store.save_member(member("a"))
    await store.save_member(member("a", workspace="w2"))
    await store.save_member(member("p", status="paused", paused_until=date(2026, 3, 1)))
    assert await store.get_member(u("a")) == member("a")
    assert [m.user.id for m in await store.members("discord:w1")] == ["a"]
    paused = await store.members("discord:w1", statuses=("paused",))
    assert [(m.user.id, m.paused_until) for m in paused] == [("p", date(2026, 3, 1))]


async def test_config_round_trip(store):
    assert await store.get_config("discord:w1") == CommunityConfig("discord:w1")
    cfg = CommunityConfig(
        "discord:w1",
        prep_minutes=3,
        packs=("coding",),
        keep_tracks_apart=True,
        slots=(
            Schedule("tue", "18:00", "Europe/Berlin", ChannelRef("discord", "w1", "c1")),
            Schedule("wed", "02:00", "UTC", ChannelRef("discord", "w1", "c2"), 2, date(2026, 2, 2)),
        ),
        organiser_role="role-7",
        report_channel=ChannelRef("discord", "w1", "mods"),
    )
    await store.save_config(cfg)
    assert await store.get_config("discord:w1") == cfg


async def test_a_round_records_meetings_answers_and_roles(store):
    for m in "ab":
        await store.save_member(member(m, waiting_since=NOW))
    rnd = Round("r1", "discord:w1", 42, "weekly", "running", NOW, {"c": "nobody else"})
    await store.create_round(rnd, [session()], {"r1-0": "coding"})
    assert await store.get_round("r1") == rnd
    assert await store.meetings("discord:w1") == [("a", "b", NOW)]
    assert await store.answered_by("discord:w1", ["a", "b", "z"]) == {"a": {"q2"}, "b": {"q1"}}
    many = [f"m{k}" for k in range(600)] + ["b"]  # more than a query lists: read in parts
    assert await store.answered_by("discord:w1", many) == {"b": {"q1"}}
    assert await store.role_history("discord:w1") == {"a": (1, 1, None), "b": (1, 1, None)}
    assert (await store.get_member(u("a"))).waiting_since is None
    assert [s.id for s in await store.sessions_of(u("b"))] == ["r1-0"]


async def test_a_transition_retires_old_timers_and_arms_new_ones_atomically(store):
    await store.create_round(
        Round("r1", "discord:w1", 1, "weekly", "running", NOW), [session()], {"r1-0": "coding"}
    )
    old = await store.add_timer("discord:w1", "phase_end", "r1-0", "intro:0", NOW)
    moved = replace(
        session(),
        phase=Phase.PREP,
        space=ChannelRef("discord", "w1", "t1"),
        confirmed=frozenset({u("a")}),
        phase_ends_at=NOW + timedelta(minutes=2),
    )
    (armed,) = await store.save_transition(
        moved, arm=[("phase_end", "prep:0", NOW + timedelta(minutes=2))], now=NOW
    )
    assert await store.get_session("r1-0") == moved
    assert [t.id for t in await store.pending_timers()] == [armed.id]
    assert old.id != armed.id and not await store.claim_timer(old.id, NOW)
    assert await store.pending_timers(due_by=NOW) == []
    assert await store.claim_timer(armed.id, NOW) and not await store.claim_timer(armed.id, NOW)


async def test_transitions_saved_together_are_each_saved_as_if_alone(store):
    """A batch (a round's spaces opened together) saves each session's state, retires and
    arms its own timers, queues its own posts in order and frees only its own places."""
    from bot.sessions.outbox import Delivery, Transition

    pair, ending = session("r1-0", ("a", "b")), session("r1-1", ("c", "d"))
    trio = replace(session("r1-2", ("e", "f")), members=(u("e"), u("f"), u("g")))
    await store.create_round(
        Round("r1", "discord:w1", 1, "weekly", "running", NOW),
        [pair, ending, trio],
        {"r1-0": "coding", "r1-1": "coding", "r1-2": "coding"},
    )
    old = [await store.add_timer("discord:w1", "phase_end", s, "intro:0", NOW) for s in
           ("r1-0", "r1-1", "r1-2")]  # fmt: skip
    space = [ChannelRef("discord", "w1", f"t{n}") for n in range(3)]
    prep = NOW + timedelta(minutes=2)
    moved = replace(pair, phase=Phase.PREP, space=space[0], phase_ends_at=prep)
    ended = replace(ending, phase=Phase.CANCELLED, space=space[1])
    without_g = replace(trio, phase=Phase.PREP, space=space[2], absent=frozenset({u("g")}))
    posts = [
        Delivery("post", space[n], OutMessage(text=f"p{n}{k}")) for n in (0, 1) for k in (0, 1)
    ]
    armed = await store.save_transitions(
        [
            Transition(moved, [("phase_end", "prep:0", prep), ("checkpoint", "prep:0", NOW)],
                       posts[:2]),
            Transition(ended, deliveries=posts[2:]),
            Transition(without_g, [("phase_end", "prep:0", prep)]),
        ],
        NOW,
    )  # fmt: skip
    assert [[(x.subject, x.kind, x.due_at) for x in timers] for timers in armed] == [
        [("r1-0", "phase_end", prep), ("r1-0", "checkpoint", NOW)],
        [],
        [("r1-2", "phase_end", prep)],
    ]
    pending = {(x.id, x.subject, x.kind) for x in await store.pending_timers()}
    assert pending == {(x.id, x.subject, x.kind) for timers in armed for x in timers}
    assert not any([await store.claim_timer(x.id, NOW) for x in old]), "the intros' retired"
    assert await store.get_sessions(["r1-2", "r1-0", "r1-9"]) == {
        "r1-0": moved,
        "r1-2": without_g,
    }
    assert await store.get_session("r1-1") == ended
    queued = await store.undelivered("r1-0", "r1-1", "r1-2")
    assert [(sid, d) for _, _, sid, d, _ in queued] == list(
        zip(["r1-0", "r1-0", "r1-1", "r1-1"], posts, strict=True)
    )
    places = {m: await store.live_session_id(u(m)) for m in "abcdefg"}
    assert places == dict(a="r1-0", b="r1-0", c=None, d=None, e="r1-2", f="r1-2", g=None)


async def test_a_rating_is_one_row_per_key_and_replaced(store):
    r = Rating("r1-0", 0, u("a"), u("b"), 3, {"approach": 3}, "ok", "form", NOW)
    assert await store.save_rating(r, "discord:w1", "coding") is True
    assert await store.save_rating(r, "discord:w1", "coding") is False
    better = Rating("r1-0", 0, u("a"), u("b"), 5, {}, "", "reaction", NOW)
    await store.save_rating(better, "discord:w1", "coding")
    assert await store.session_ratings("r1-0") == [better]
    rows = await store.rating_rows("discord:w1")
    assert [(x.rater, x.ratee, x.overall, x.track) for x in rows] == [("a", "b", 5.0, "coding")]


async def remember(store, community: str, event_id: str, at=NOW) -> bool:
    """True if the delivery was new and is now remembered with the unit's writes."""
    try:
        async with store.unit_of_work((community, event_id, at)):
            await store.save_config(CommunityConfig(community, prep_minutes=3))
    except AlreadyHandled:
        return False
    return True


async def test_events_are_remembered_per_community(store):
    assert await remember(store, "discord:w1", "e1")
    assert not await remember(store, "discord:w1", "e1")
    assert await remember(store, "discord:w2", "e1")
    assert await store.seen_event("discord:w1", "e1")


async def test_a_unit_that_fails_forgets_the_delivery_and_its_writes(store):
    with pytest.raises(RuntimeError):
        async with store.unit_of_work(("discord:w1", "e9", NOW)):
            await store.save_config(CommunityConfig("discord:w1", prep_minutes=9))
            raise RuntimeError("crash before the commit")
    assert not await store.seen_event("discord:w1", "e9")
    assert (await store.get_config("discord:w1")).prep_minutes == 2
    assert await remember(store, "discord:w1", "e9")  # the redelivery is handled


async def test_one_live_session_per_member_is_held_by_the_database(store):
    s1 = session()
    await store.create_round(
        Round("r1", "discord:w1", 1, "on_demand", "running", NOW), [s1], {s1.id: "coding"}
    )
    s2 = replace(session(), id="r2-0", round_id="r2")
    with pytest.raises(Conflict):
        await store.create_round(
            Round("r2", "discord:w1", 1, "on_demand", "running", NOW), [s2], {s2.id: "coding"}
        )
    assert await store.get_round("r2") is None and await store.get_session("r2-0") is None
    assert await store.live_session_id(s1.members[0]) == s1.id


async def test_one_running_weekly_round_per_community_is_held_by_the_database(store):
    await store.create_round(Round("w1", "discord:w1", 1, "weekly", "running", NOW), [], {})
    with pytest.raises(Conflict):
        await store.create_round(Round("w2", "discord:w1", 1, "weekly", "running", NOW), [], {})
    await store.create_round(Round("w3", "discord:w2", 1, "weekly", "running", NOW), [], {})


async def test_message_links(store):
    ref = MessageRef("discord", "w1", "t1", "m1")
    assert await store.find_link(ref) is None
    await store.link_message(ref, "discord:w1", "feedback", "r1-0", 1)
    assert await store.find_link(ref) == ("feedback", "r1-0", 1)


async def test_naive_datetimes_are_refused(store):
    with pytest.raises(Exception, match="naive datetime"):
        await store.add_timer("discord:w1", "phase_end", "s", "k", datetime(2026, 1, 1))


async def test_summaries_added_by_a_later_version_are_filled_from_stored_ratings(tmp_path):
    from bot.storage import migrations, schema

    s = SqlStore(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    async with s._engine.begin() as conn:  # a database as version 1 left it, with a rating
        await conn.run_sync(migrations.MIGRATIONS[0][1])
        await conn.execute(schema.schema_version.insert().values(version=1))
        await conn.execute(
            schema.ratings.insert().values(
                community="discord:w1",
                session_id="r1-0",
                turn=0,
                rater="a",
                ratee="b",
                overall=4.0,
                scores={},
                comment="",
                source="reaction",
                track="coding",
                submitted_at=NOW,
            )
        )
    assert await s.migrate() == migrations.MIGRATIONS[-1][0]
    board = await s.leaderboard("discord:w1", period="all", track=None, now=NOW, tz="UTC")
    assert [(st.member, st.ratings, st.mean) for st in board] == [("b", 1, 4.0)]
    await s.close()


async def test_a_finished_session_counts_once_towards_the_board(store):
    await store.create_round(
        Round("r1", "discord:w1", 1, "weekly", "running", NOW), [session()], {"r1-0": "coding"}
    )
    done = replace(session(), phase=Phase.DONE, ended_at=NOW)
    for _ in range(2):
        await store.save_transition(done, now=NOW, tz="UTC")
    board = await store.leaderboard("discord:w1", period="all", track=None, now=NOW, tz="UTC")
    assert sorted((st.member, st.sessions) for st in board) == [("a", 1), ("b", 1)]
    rows = await store.completed_rows("discord:w1", member="a")
    assert [(r.user_id, r.completed_at) for r in rows] == [("a", NOW)]


async def test_the_outbox_keeps_queued_messages_in_order_until_marked(store):
    from bot.messages import Button, OutMessage
    from bot.sessions.outbox import Delivery

    await store.create_round(
        Round("r1", "discord:w1", 1, "weekly", "running", NOW), [session()], {"r1-0": "coding"}
    )
    space = ChannelRef("discord", "w1", "t1")
    msg = OutMessage(
        text="ends {deadline}",
        title="Turn 1",
        fields=(("a", "b"),),
        buttons=(Button("mr:done:r1-0", "Done"),),
        reactions=("1️⃣",),
        deadline=NOW,
        mentions=(u("a"),),
        kind="feedback",
    )
    queued = [
        Delivery("post", space, msg, link="feedback", turn=0),
        Delivery("private", space, msg, user=u("b")),
        Delivery("close", space),
    ]
    await store.save_transition(replace(session(), space=space), deliveries=queued, now=NOW)
    rows = await store.undelivered("r1-0")
    assert [d for _, _, _, d, _ in rows] == queued
    assert not any(tried for *_, tried in rows)
    await store.mark_tried([rows[1][0]], NOW)  # a crash may come before Slack or Discord answers
    await store.mark_delivered([rows[0][0]], NOW)
    rest = await store.undelivered()
    assert [(d.kind, tried) for _, _, _, d, tried in rest] == [("private", True), ("close", False)]


async def test_remembered_events_older_than_the_cut_are_forgotten(store):
    await remember(store, "discord:w1", "old", NOW - timedelta(days=8))
    await remember(store, "discord:w1", "new", NOW)
    await store.purge_seen_events(NOW - timedelta(days=7))
    assert await remember(store, "discord:w1", "old")
    assert not await remember(store, "discord:w1", "new")


async def test_work_scheduled_from_inside_a_unit_runs_outside_it_once_it_ended(store):
    """An alarm armed by a command is a callback that copies the command's context, unit of
    work included; when it fires the unit has ended and its connection is closed."""
    import asyncio
    import contextvars

    async with store.unit_of_work():
        inside = contextvars.copy_context()
    ran = asyncio.get_running_loop().create_future()

    def fire() -> None:
        task = asyncio.ensure_future(store.pending_timers())
        task.add_done_callback(lambda t: ran.set_result(t.result()))

    inside.run(asyncio.get_running_loop().call_soon, fire)
    assert await ran == []  # read on a connection of its own, not the ended unit's


async def test_claims_split_due_timers_and_queued_posts_between_replicas(store):
    """Each due timer and each session's queued posts go to one replica at a time; a
    replica's claim lapses after its lease, and then another takes over."""
    from bot.sessions.outbox import Delivery
    from bot.storage.sql_replicas import LEASE

    now = datetime(2026, 1, 5, 17, 0, tzinfo=UTC)
    for n in range(3):
        await store.add_timer("c:w", "phase_end", f"x{n}", "answer:0", now - timedelta(minutes=1))
    s = Session("s0", "c:w", "r", (UserRef("c", "w", "a"),), (), created_at=now)
    await store.create_round(Round("r", "c:w", 1, "weekly", "running", now), [s], {"s0": "x"})
    msg = OutMessage(text="hi")
    await store.save_transition(
        s, deliveries=[Delivery("post", ChannelRef("c", "w", "sp"), msg)] * 2, now=now
    )
    store.replica = "one"
    first = await store.claim_due_timers(now)
    firsts = await store.claim_deliveries(now)
    store.replica = "two"
    second = await store.claim_due_timers(now)
    seconds = await store.claim_deliveries(now)
    if store._dialect == "postgresql":
        assert len(first) == 3 and second == []  # taken by the first replica, for its lease
        assert len(firsts) == 2 and seconds == []
        later = now + LEASE + timedelta(seconds=1)  # the first replica died: its lease ran out
        assert len(await store.claim_due_timers(later)) == 3
        assert len(await store.claim_deliveries(later)) == 2
    else:  # one process on SQLite: claims are plain reads
        assert len(first) == len(second) == 3 and len(firsts) == len(seconds) == 2


async def test_a_boards_top_rows_read_through_its_index_are_the_whole_boards(store):
    """Both databases: the top of a board found through the index of usual scores (the
    scores are numerics on PostgreSQL) is the top of the whole board."""
    import random

    from tests.unit.test_scoring_standings import COMMUNITY, NOW, _random_board

    async with store._engine.begin() as conn:
        await _random_board(conn, random.Random(2), 600, 3.9, settled=True)
    board = lambda limit=None: store.leaderboard(  # noqa: E731
        COMMUNITY, period="all", track=None, now=NOW, tz="UTC", limit=limit
    )
    full = await board()
    assert len(full) == 600
    assert await board(10) == full[:10]


async def test_a_big_rounds_parts_leave_nothing_for_the_collector(store):
    """A big round is saved part after part with the collector paused (rounds.runner): what
    each part leaves in reference cycles piles up until it runs again. Built per part, the
    statements' aliases and IN lists left 40,000 objects at 20,000 members, freed in one
    60-ms stop of the loop."""
    parts = [[session(f"r1-{k}-{j}", (f"p{k}{j}a", f"p{k}{j}b", f"p{k}{j}c")[: 2 + j])
              for j in range(2)] for k in range(22)]  # fmt: skip
    for part in parts:
        for s in part:
            for m in s.members:
                await store.save_member(member(m.id, waiting_since=NOW))
    rnd = Round("r1", "discord:w1", 42, "weekly", "running", NOW, {})
    tracks = {s.id: "coding" for part in parts for s in part}

    async def save(part):  # as the runner saves each part: who is still free, then the part
        await store.busy_members("discord:w1", [m.id for s in part for m in s.members])
        await store.add_to_round(rnd, part, tracks, NOW)

    await store.create_round(rnd, parts[0], tracks)
    await save(parts[1])  # statements compiled and cached
    gc.collect()
    gc.disable()
    try:
        for part in parts[2:]:
            await save(part)
        left = gc.collect()
    finally:
        gc.enable()
    assert left < len(parts[2:]), f"{left} objects in cycles after {len(parts[2:])} parts"
    assert len(await store.round_sessions("r1")) == 44
