"""The service's rules: permissions, argument errors that change nothing, membership, rounds."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot import actions
from bot import commands as c
from bot.model import Phase
from tests.conftest import CHANNEL, advance, join, start_round, user

ADMIN_ONLY = [
    c.SetSchedule(actor=user("ann"), channel=CHANNEL, weekday="mon", time="18:00"),
    c.StartRound(actor=user("ann"), channel=CHANNEL),
    c.CancelRound(actor=user("ann")),
    c.Configure(actor=user("ann"), settings={"prep": "3"}),
]


@pytest.mark.parametrize("cmd", ADMIN_ONLY, ids=lambda cmd: type(cmd).__name__)
async def test_non_admins_are_refused_and_nothing_changes(app, cmd):
    await join(app, "ann", "bob")
    before = await app.store.get_config("console:demo")
    reply = await app.service.handle(cmd)
    assert reply.error and reply.text.startswith("only organisers")
    assert await app.store.get_config("console:demo") == before
    assert await app.store.latest_round("console:demo") is None
    assert await app.store.pending_timers() == []


@pytest.mark.parametrize(
    ("cmd", "expected"),
    [
        (
            c.Join(actor=user("x"), level="principal"),
            "unknown level 'principal': accepted are junior, mid, senior",
        ),
        (c.Join(actor=user("x"), timezone="Mars/Base"), "unknown timezone 'Mars/Base'"),
        (
            c.Join(actor=user("x"), track="cooking"),
            "unknown track 'cooking': accepted are behavioral",
        ),
        (c.Pause(actor=user("ann"), weeks="0"), "weeks must be a whole number from 1 to 12, not 0"),
        (
            c.Pause(actor=user("ann"), weeks="soon"),
            "weeks must be a whole number from 1 to 12, not 'soon'",
        ),
        (
            c.ShowLeaderboard(actor=user("ann"), period="year"),
            "unknown period 'year': accepted are week, month, all",
        ),
        (
            c.Configure(actor=user("ann"), is_admin=True, settings={"prep": "0"}),
            "prep must be a whole number from 1 to 60",
        ),
        (
            c.Configure(actor=user("ann"), is_admin=True, settings={"packs": "nope"}),
            "unknown pack 'nope'",
        ),
        (
            c.Configure(actor=user("ann"), is_admin=True, settings={"prep": "3", "colour": "red"}),
            "unknown setting 'colour'",
        ),
        (
            c.SetSchedule(
                actor=user("ann"), is_admin=True, channel=CHANNEL, weekday="someday", time="18:00"
            ),
            "unknown weekday",
        ),
        (
            c.SetSchedule(
                actor=user("ann"), is_admin=True, channel=CHANNEL, weekday="mon", time="25:00"
            ),
            "use 24-hour HH:MM",
        ),
        (
            c.SetSchedule(actor=user("ann"), is_admin=True, weekday="mon", time="18:00"),
            "say which channel",
        ),
        (c.CancelRound(actor=user("ann"), is_admin=True), "no round is running"),
        (c.ShowStats(actor=user("ann"), member=user("ghost")), "has not joined"),
        (c.EndPhase(actor=user("ann")), "you have no session in progress"),
        (c.OpenRatingForm(actor=user("ann")), "nothing to rate right now"),
    ],
)
async def test_bad_arguments_get_one_line_and_change_nothing(app, cmd, expected):
    await join(app, "ann")
    member, config = (
        await app.store.get_member(user("ann")),
        await app.store.get_config("console:demo"),
    )
    reply = await app.service.handle(cmd)
    assert reply.error and expected in reply.text and "\n" not in reply.text, reply.text
    assert await app.store.get_member(user("ann")) == member
    assert await app.store.get_member(user("x")) is None
    assert await app.store.get_config("console:demo") == config
    assert await app.store.pending_timers() == []


async def test_config_applies_all_settings_or_none(app):
    reply = await app.service.handle(
        c.Configure(
            actor=user("ann"),
            is_admin=True,
            settings={"prep": "3", "answer": "12", "tracks": "apart"},
        )
    )
    cfg = await app.store.get_config("console:demo")
    assert not reply.error and (cfg.prep_minutes, cfg.answer_minutes, cfg.keep_tracks_apart) == (
        3,
        12,
        True,
    )


async def test_join_defaults_then_updates(app):
    r = await app.service.handle(c.Join(actor=user("ann"), actor_name="Ann"))
    assert r.text.startswith("Welcome! You joined: track behavioral, level mid, timezone UTC")
    r = await app.service.handle(c.Join(actor=user("ann"), level="senior"))
    m = await app.store.get_member(user("ann"))
    assert r.text.startswith("Updated") and (m.level, m.name) == ("senior", "Ann")


async def test_paused_and_departed_members_sit_out_until_they_return(app, clock):
    await join(app, "ann", "bob", "cat", "dan")
    await app.service.handle(c.Pause(actor=user("cat"), weeks=1))
    await app.service.handle(c.Leave(actor=user("dan")))
    await start_round(app)
    (s,) = await app.store.round_sessions((await app.store.latest_round("console:demo")).id)
    assert {m.id for m in s.members} == {"ann", "bob"}
    await app.service.handle(c.CancelRound(actor=user("ann"), is_admin=True))
    clock.advance(timedelta(days=8))
    await start_round(app)
    sessions = await app.store.round_sessions((await app.store.latest_round("console:demo")).id)
    assert sorted(m.id for s in sessions for m in s.members) == ["ann", "bob", "cat"]
    assert (await app.store.get_member(user("cat"))).status == "active"


async def test_on_demand_pairs_whoever_is_waiting(app):
    await join(app, "ann", "bob", "cat")
    r = await app.service.handle(c.PairNow(actor=user("ann"), channel=CHANNEL))
    assert "in the queue" in r.text and await app.store.latest_round("console:demo") is None
    r = await app.service.handle(c.PairNow(actor=user("bob"), channel=CHANNEL))
    assert r.text.startswith("Paired!")
    (s,) = await app.store.round_sessions((await app.store.latest_round("console:demo")).id)
    assert {m.id for m in s.members} == {"ann", "bob"} and s.phase is Phase.INTRO
    again = await app.service.handle(c.PairNow(actor=user("ann")))
    assert again.error and "already in a session" in again.text
    r = await app.service.handle(c.PairNow(actor=user("cat")))
    assert "in the queue" in r.text  # ann and bob are no longer waiting


async def test_no_show_and_admin_cancel_end_sessions_and_close_spaces(app, clock):
    await join(app, "ann", "bob", "cat", "dan")
    await start_round(app)
    rnd = await app.store.latest_round("console:demo")
    first, second = await app.store.round_sessions(rnd.id)
    reporter, absent = first.members
    early = await app.service.handle(c.ReportNoShow(actor=reporter))
    assert early.error and "grace period" in early.text
    clock.advance(minutes=10)  # the grace period is over (its timer not yet run)
    r = await app.service.handle(c.ReportNoShow(actor=reporter))
    assert (
        r.text == f"no-show recorded for {absent.id.title()}; look for a rematch offer in your DMs"
    )
    ended = await app.store.get_session(first.id)
    assert ended.phase is Phase.NO_SHOW and ended.absent == {absent}
    assert (await app.store.attendance(absent)).no_shows == 1
    assert (await app.store.attendance(reporter)).no_shows == 0
    r = await app.service.handle(c.CancelRound(actor=user("ann"), is_admin=True))
    assert r.text == "Round cancelled: 1 session stopped."
    assert (await app.store.get_session(second.id)).phase is Phase.CANCELLED
    assert app.chat.closed == {first.space.id, second.space.id}
    assert (await app.store.latest_round("console:demo")).status == "cancelled"


async def test_a_replayed_delivery_is_handled_once(app):
    first = await app.service.handle(c.Join(actor=user("ann"), level="senior", event_id="evt-1"))
    await app.service.handle(c.Join(actor=user("ann"), level="junior"))
    replay = await app.service.handle(c.Join(actor=user("ann"), level="senior", event_id="evt-1"))
    assert first.text.startswith("Welcome") and replay.duplicate and not first.duplicate
    assert (await app.store.get_member(user("ann"))).level == "junior"


async def test_weekly_round_fires_once_per_week(app, clock):
    await join(app, "ann", "bob")
    await app.service.handle(
        c.SetSchedule(
            actor=user("ann"),
            is_admin=True,
            channel=CHANNEL,
            weekday="tue",
            time="09:00",
            timezone="UTC",
        )
    )
    await advance(app, clock, 60 * 24 * 14)  # Monday 17:00 to the Monday two weeks on
    rounds = {s.round_id for s in await app.store.sessions_of(user("ann"), limit=10)}
    assert len(rounds) == 2
    signups = [e for e in app.chat.entries if e.msg.kind == "signup"]
    assert len(signups) == 3  # two past rounds and the announcement of the next


async def test_help_shows_admin_commands_to_admins_only(app):
    member = (await app.service.handle(c.Help(actor=user("ann")))).message
    admin = (await app.service.handle(c.Help(actor=user("ann"), is_admin=True))).message
    assert "/mock schedule" not in {name for name, _ in member.fields}
    assert "/mock schedule" in {name for name, _ in admin.fields}


async def test_solo_practice_keeps_the_guide_behind_a_button(app):
    await join(app, "ann", track="coding", level="junior")
    msg = (await app.service.handle(c.PracticeQuestion(actor=user("ann")))).message
    assert msg.title.startswith("Solo practice") and msg.fields == ()
    (button,) = msg.buttons
    assert button.label == "Show the guide"
    guide = (await app.service.handle(actions.decode(button.action_id, actor=user("ann")))).message
    assert guide.kind == "guide" and any(n == "Red flags" for n, _ in guide.fields)


async def test_questions_are_new_to_both_members_and_follow_the_enabled_packs(app, clock):
    await join(app, "ann", "bob", track="coding", level="mid")
    asked: list[set[str]] = []
    for _ in range(3):
        await start_round(app)
        rnd = await app.store.latest_round("console:demo")
        (s,) = await app.store.round_sessions(rnd.id)
        asked.append({t.question_id for t in s.turns})
        await app.service.handle(c.CancelRound(actor=user("ann"), is_admin=True))
        clock.advance(timedelta(days=7))
    assert all(len(q) == 2 for q in asked)
    assert not (asked[0] & asked[1]) and not (asked[2] & (asked[0] | asked[1]))
    assert all(app.bank.question(q).track == "coding" for q in set().union(*asked))

    await app.service.handle(
        c.Configure(actor=user("ann"), is_admin=True, settings={"packs": "behavioral-eng"})
    )
    await start_round(app)
    (s,) = await app.store.round_sessions((await app.store.latest_round("console:demo")).id)
    assert {app.bank.question(t.question_id).pack for t in s.turns} == {"behavioral-eng"}


async def test_the_interviewer_can_open_the_guide_again_and_only_they_can(app):
    await join(app, "ann", "bob")
    await start_round(app)
    (s,) = await app.store.round_sessions((await app.store.latest_round("console:demo")).id)
    early = await app.service.handle(c.ShowGuide(actor=s.members[0]))
    assert early.error and "once a turn has started" in early.text
    for m in s.members:
        await app.service.handle(c.ConfirmReady(actor=m))
    turn = s.turns[0]
    mine = await app.service.handle(c.ShowGuide(actor=turn.interviewer))
    theirs = await app.service.handle(c.ShowGuide(actor=turn.candidate))
    assert mine.message.kind == "guide" and mine.ephemeral
    assert mine.message.title.endswith(app.bank.question(turn.question_id).title)
    assert theirs.error and "only this turn's interviewer" in theirs.text


async def test_an_on_demand_pair_does_not_block_the_weekly_round(app):
    await join(app, "ann", "bob", "cat", "dan")
    await app.service.handle(c.PairNow(actor=user("ann"), channel=CHANNEL))
    await app.service.handle(c.PairNow(actor=user("bob"), channel=CHANNEL))
    r = await app.service.handle(c.StartRound(actor=user("cat"), is_admin=True, channel=CHANNEL))
    assert r.text.startswith("Round started"), r.text
    weekly = await app.store.latest_round("console:demo", kind="weekly")
    assert weekly.kind == "weekly" and weekly.status == "running"
    r = await app.service.handle(c.CancelRound(actor=user("cat"), is_admin=True))
    assert not r.error
    on_demand = await app.store.latest_round("console:demo", kind="on_demand")
    assert on_demand.status == "running"  # the admin's cancel left the on-demand pair alone
