"""Members' progress and the organisers' tools through the real Service, SQLite and a fake
clock: status, stats with a chart, privacy, the round report, members, the organiser role,
several weekly slots."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from matplotlib import image

from bot import commands as c
from bot.model import ChannelRef, Phase
from bot.ratings import charts
from tests.conftest import CHANNEL, advance, join, start_round, user

COMMUNITY = "console:demo"
MODS = ChannelRef("console", "demo", "mods")


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(b"\x89PNG")
    h, w = image.imread(io.BytesIO(data), format="png").shape[:2]
    return w, h


@pytest.mark.parametrize("sessions", [0, 1, 200])
def test_the_progress_chart_is_a_sensible_png(sessions):
    scores = [{"structure": 1 + i % 5, "impact": 1 + (i * 2) % 5} for i in range(sessions)]
    weeks = [(f"w{i}", i % 3) for i in range(12)]
    data = charts.progress("Ann", scores, {"structure": "Structure"}, weeks)
    w, h = png_size(data)
    assert 600 <= w <= 1000 and 400 <= h <= 800 and len(data) < 400_000


@pytest.mark.parametrize("count", [0, 1, 12, 13, 14, 52, 104])
def test_the_weeks_are_labelled_every_few_weeks_from_the_first(count):
    weeks = [(f"w{i}", 1) for i in range(count)]
    positions, labels = charts.week_ticks(weeks)
    assert len(labels) <= charts.MAX_WEEK_LABELS
    assert labels == [weeks[k][0] for k in positions]
    if count:
        assert positions[0] == 0 and count - positions[-1] <= count // charts.MAX_WEEK_LABELS + 1
    if count <= charts.MAX_WEEK_LABELS:
        assert positions == list(range(count)), "a few weeks: every one labelled"


async def _play_round(app, clock, absent: set[str] = frozenset()):
    """Everyone but ``absent`` comes; sessions run on the clock; interviewers react 4."""
    await start_round(app)
    rnd = await app.store.latest_round(COMMUNITY)
    for s in await app.store.round_sessions(rnd.id):
        for m in s.members:
            if m.id not in absent:
                await app.service.handle(c.ConfirmReady(actor=m))
    for _ in range(200):
        live = await app.store.sessions_live(COMMUNITY)
        if not live:
            break
        for s in live:
            if s.phase is Phase.FEEDBACK:
                entry = app.chat.last("feedback", s.space.id)
                await app.service.handle(
                    c.ReactionAdded(actor=s.turn.interviewer, message=entry.ref, emoji="4️⃣")
                )
        await advance(app, clock, 3)
    return rnd


async def test_status_shows_local_times_and_the_next_step(app, clock):
    clock.set(datetime(2026, 3, 2, 17, 0, tzinfo=UTC))  # a Monday
    await app.service.handle(
        c.SetSchedule(actor=user("x"), is_admin=True, channel=CHANNEL, weekday="tue", time="18:00")
    )
    await join(app, "ann", "bob", tz="Asia/Tokyo")
    fields = dict((await app.service.handle(c.ShowStatus(actor=user("ann")))).message.fields)
    assert fields["Time zone"] == "Asia/Tokyo (your time now: Tue 02:00)"
    assert fields["Next round"] == "Wed 4 Mar 03:00 (Asia/Tokyo)"
    assert fields["Session"] == "none in progress"
    await start_round(app)
    fields = dict((await app.service.handle(c.ShowStatus(actor=user("ann")))).message.fields)
    assert fields["Session"].startswith("with Bob: intro, until Tue 02:10. Next: press I'm here")


async def test_stats_in_plain_words_with_a_chart_and_no_rank_before_a_session(app, clock):
    await join(app, "ann", "bob")
    before = (await app.service.handle(c.ShowStats(actor=user("ann")))).message
    fields = dict(before.fields)
    assert "Place on the all-time board" not in fields
    assert fields["Average score"] == "no ratings yet"
    assert before.text == "Your progress chart follows in a private message." and not before.files
    await app.service.charts.settle()
    assert [f.name for f in app.chat.last("stats").msg.files] == ["progress.png"]
    await _play_round(app, clock)
    after = (await app.service.handle(c.ShowStats(actor=user("ann")))).message
    await app.service.charts.settle()
    chart = app.chat.last("stats")
    assert chart.msg.title == "Progress of Ann" and chart.visible_to("ann")
    assert not chart.visible_to("bob")
    fields = dict(after.fields)
    assert fields["Place on the all-time board"] in ("#1", "#2")
    assert fields["Average score"] == "4.0 of 5 from 1 rating"
    assert fields["Attendance"] == "came to 1 of 1 session"
    assert not any("+0.00" in v or "alibrated" in v for v in fields.values())
    png_size(chart.msg.files[0].data)


async def test_privacy_hides_from_the_board_and_keeps_stats_private(app, clock):
    await join(app, "ann", "bob", "cat", "dan")
    await _play_round(app, clock)
    r = await app.service.handle(
        c.SetPrivacy(actor=user("ann"), leaderboard="hide", stats="private")
    )
    assert r.text.startswith("Hidden from the leaderboard")
    board = (await app.service.handle(c.ShowLeaderboard(actor=user("bob"), period="all"))).message
    assert len(board.fields) == 3 and not any("Ann" in name for name, _ in board.fields)
    refused = await app.service.handle(c.ShowStats(actor=user("bob"), member=user("ann")))
    assert refused.error and "keeps their stats private" in refused.text
    organiser = await app.service.handle(
        c.ShowStats(actor=user("bob"), member=user("ann"), is_admin=True)
    )
    assert not organiser.error
    bad = await app.service.handle(c.SetPrivacy(actor=user("ann"), leaderboard="maybe"))
    assert bad.error and bad.text == "leaderboard must be show or hide"


async def test_the_round_report_counts_a_scripted_round(app, clock):
    await app.service.handle(
        c.Configure(actor=user("x"), is_admin=True, settings={"reports": "mods"})
    )
    await join(app, "ann", "bob", "cat", "dan", "eve", "fay")
    rnd = await _play_round(app, clock, absent={"fay"})
    sessions = await app.store.round_sessions(rnd.id)
    stood_up = next(m.id for s in sessions if s.absent for m in s.present)
    report = app.chat.last("report")
    assert report.ref.channel == "mods"
    fields = dict(report.msg.fields)
    assert fields["Took part"] == "6 members in 3 sessions"
    assert fields["No-shows (1)"] == "Fay"
    assert fields["Did not meet (1)"] == stood_up.title()
    assert fields["Met (4)"] == ", ".join(
        sorted(n.title() for n in {"ann", "bob", "cat", "dan", "eve"} - {stood_up})
    )
    assert fields["Completed"] == "2 of 3 sessions (67%)"
    assert fields["Average scores by track"] == "behavioral 4.0 (4 ratings)"
    assert [f.name for f in report.msg.files] == ["participation.png"]
    again = await app.service.handle(c.ShowRoundReport(actor=user("x"), is_admin=True))
    assert dict(again.message.fields) == fields


async def test_members_list_pages_and_remove(app):
    await join(app, *[f"m{i:02d}" for i in range(25)])
    page = (await app.service.handle(c.ShowMembers(actor=user("x"), is_admin=True))).message
    assert page.title == "Members: page 1 of 2 (25 in all)" and len(page.fields) == 20
    assert page.fields[0] == ("M00", "active · behavioral, mid · no sessions yet")
    two = await app.service.handle(c.ShowMembers(actor=user("x"), is_admin=True, page="2"))
    assert len(two.message.fields) == 5
    bad = await app.service.handle(c.ShowMembers(actor=user("x"), is_admin=True, page="3"))
    assert bad.error and bad.text == "page must be from 1 to 2"
    r = await app.service.handle(c.RemoveMember(actor=user("x"), is_admin=True, member=user("m03")))
    assert r.text.startswith("M03 no longer takes part")
    assert (await app.store.get_member(user("m03"))).status == "left"


async def test_an_organiser_role_runs_admin_commands_without_server_rights(app):
    await join(app, "ann", "bob")
    refused = await app.service.handle(c.StartRound(actor=user("ann"), channel=CHANNEL))
    assert refused.error and refused.text.startswith("only organisers")
    await app.service.handle(
        c.Configure(actor=user("x"), is_admin=True, settings={"organiser": "<@&mods>"})
    )
    app.chat.groups["mods"] = {"ann"}
    allowed = await app.service.handle(c.StartRound(actor=user("ann"), channel=CHANNEL))
    assert allowed.text.startswith("Round started")
    assert (await app.service.handle(c.CancelRound(actor=user("bob")))).error


async def test_two_slots_each_pair_their_own_members_and_every_other_week_skips(app, clock):
    clock.set(datetime(2026, 3, 2, 12, 0, tzinfo=UTC))  # Monday
    asia = ChannelRef("console", "demo", "asia")
    americas = ChannelRef("console", "demo", "americas")
    r1 = await app.service.handle(
        c.SetSchedule(
            actor=user("x"),
            is_admin=True,
            channel=asia,
            weekday="tue",
            time="10:00",
            timezone="Asia/Singapore",
        )
    )
    r2 = await app.service.handle(
        c.SetSchedule(
            actor=user("x"),
            is_admin=True,
            channel=americas,
            weekday="tue",
            time="19:00",
            timezone="America/New_York",
            slot="2",
            every="2",
        )
    )
    assert "Slot 1: rounds every week on tue at 10:00 (Asia/Singapore)" in r1.text
    assert "Slot 2: rounds every other week" in r2.text and "(America/New_York)" in r2.text
    await app.service.handle(  # nobody presses "I'm here" here: keep them all in the rounds
        c.Configure(actor=user("x"), is_admin=True, settings={"noshow_pause": "0"})
    )
    await join(app, "ann", "bob")
    for n in ("cy", "dee"):
        r = await app.service.handle(c.Join(actor=user(n), actor_name=n, slot="2"))
        assert "slot 2" in r.text
    bad = await app.service.handle(c.Join(actor=user("eve"), slot="3"))
    assert bad.error and "slot must be a whole number from 1 to 2" in bad.text
    await advance(app, clock, 60 * 24 * 15)  # two weeks and a day
    rounds = await app.store.recent_rounds(COMMUNITY, "weekly", 10)
    by_slot = {}
    for rnd in rounds:
        members = {m.id for s in await app.store.round_sessions(rnd.id) for m in s.members}
        by_slot.setdefault(rnd.slot, []).append(members)
    assert by_slot[1] == [{"ann", "bob"}] * 3  # every week: 3, 10 and 17 March
    assert by_slot[2] == [{"cy", "dee"}]  # every other week
    signups = {e.ref.channel for e in app.chat.entries if e.msg.kind == "signup"}
    assert signups == {"asia", "americas"}


async def test_the_rating_form_accepts_the_labels_it_shows(app):
    await join(app, "ann", "bob")
    await start_round(app)
    (s,) = await app.store.round_sessions((await app.store.latest_round(COMMUNITY)).id)
    for m in s.members:
        await app.service.handle(c.ConfirmReady(actor=m))
    await app.service.handle(c.EndPhase(actor=s.turns[0].candidate))
    rubric = app.bank.rubric_for(app.bank.question(s.turns[0].question_id))
    values = {d.name: "4" for d in rubric.dimensions}  # "Structure", not "structure"
    r = await app.service.handle(
        c.SubmitRating(actor=s.turns[0].interviewer, session_id=s.id, turn=0, values=values)
    )
    assert "saved: 4/5" in r.text, r.text
