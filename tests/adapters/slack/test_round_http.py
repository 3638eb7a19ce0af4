"""A whole weekly round in HTTP mode: real bolt app, real core, fake Slack, fake clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.model import Phase
from tests.adapters.slack.harness import Harness

MEMBERS = ("UADA", "UBOB", "UCY", "UDEE")


async def test_a_weekly_round_from_join_to_leaderboard(http: Harness) -> None:
    fake, store = http.fake, http.core.store
    answer = await http.mock("UADMIN", "schedule mon 18:00 tz=UTC")
    assert "18:00" in answer, answer
    for uid in MEMBERS:
        answer = await http.mock(uid, "join track=behavioral level=mid tz=Europe/Berlin")
        assert "behavioral" in answer, answer
    assert len(await store.members("slack:T0MOCK")) == 4

    # the signup post goes out at once (the round is less than a day away), with its reaction
    await http.tick(seconds=1)
    (signup_ts, join_action) = http.button("CPRACTICE", "mr:join")
    assert join_action == "mr:join"
    assert fake.messages[("CPRACTICE", signup_ts)]["reactions"] == ["raised_hand"]

    # the round fires: one group DM per pair, every member in exactly one
    http.clock.set(datetime(2026, 1, 5, 18, 0, tzinfo=UTC))
    await http.core.run_due()
    await http.runtime.idle()
    spaces = fake.group_dms()
    assert len(spaces) == 2
    assert sorted(m for s in spaces for m in s.members - {fake.bot_user}) == sorted(MEMBERS)

    session = await http.session_of("UADA")
    space = session.space.id
    assert set(fake.conversations[space].members) == {m.id for m in session.members} | {
        fake.bot_user
    }
    welcome = fake.texts(space)[0]
    assert all(f"<@{m.id}>" in welcome for m in session.members)

    # both confirm: turn 1 starts; the question goes to the space, the guide only to the interviewer
    session = await http.ready_all(session)
    assert session.phase is Phase.PREP
    first = session.turns[0]
    guides = fake.ephemerals(first.interviewer.id)
    assert len(guides) == 1 and guides[0]["channel"] == space
    assert "Interviewer guide" in guides[0]["text"]
    assert not fake.ephemerals(first.candidate.id)
    question = http.core.bank.question(first.question_id)
    assert any(
        question.title in text or question.prompt.strip()[:40] in text for text in fake.texts(space)
    )
    assert any("<!date^" in text for text in fake.texts(space)), (
        "deadlines use Slack date formatting"
    )

    # the timer moves prep -> answer -> feedback and posts in the space
    session = await http.end_phase(session.id)
    assert session.phase is Phase.ANSWER
    assert "Time's up for prep" in fake.texts(space)[-1]
    # Slack shows no live countdown, so a reminder is posted a minute before the answer ends
    http.clock.set(session.phase_ends_at - timedelta(minutes=1))
    await http.core.run_due()
    await http.runtime.idle()
    assert "1 min left in answer" in fake.texts(space)[-1]
    session = await http.end_phase(session.id)
    assert session.phase is Phase.FEEDBACK
    feedback_ts, _ = http.button(space, f"mr:rate:{session.id}:0")
    assert fake.messages[(space, feedback_ts)]["reactions"] == [
        "one",
        "two",
        "three",
        "four",
        "five",
    ]

    # quick score by reaction from the interviewer
    await http.react(first.interviewer.id, "four", channel=space, ts=feedback_ts)
    ratings = await store.session_ratings(session.id)
    assert [(r.turn, r.rater, r.ratee, r.overall, r.source) for r in ratings] == [
        (0, first.interviewer, first.candidate, 4, "reaction")
    ]

    # turn 2: roles swap; the new interviewer rates with the full form
    session = await http.end_phase(session.id)
    assert session.phase is Phase.PREP and session.turn_index == 1
    second = session.turns[1]
    assert second.interviewer == first.candidate
    session = await http.end_phase(session.id)
    session = await http.end_phase(session.id)
    assert session.phase is Phase.FEEDBACK
    ts, rate = http.button(space, f"mr:rate:{session.id}:1")
    await http.click(second.interviewer.id, rate, channel=space, ts=ts)
    view = http.last_view()
    dimensions = [b["block_id"] for b in view["blocks"] if b["element"]["type"] == "static_select"]
    ack = await http.submit(
        second.interviewer.id, view, dict.fromkeys(dimensions, "5"), "Clear structure"
    )
    assert ack.status == 200 and ack.body is None  # an empty ack closes the modal
    ratings = {r.turn: r for r in await store.session_ratings(session.id)}
    assert ratings[1].source == "form" and ratings[1].overall == 5
    assert ratings[1].comment == "Clear structure" and ratings[1].ratee == second.candidate
    assert any("Rating saved" in e["text"] for e in fake.ephemerals(second.interviewer.id))

    session = await http.end_phase(session.id)
    assert session.phase is Phase.DONE
    assert fake.posts(space)[-1]["text"].startswith("This practice session is over")

    board = await http.mock("UBOB", "leaderboard all")
    assert board
    blocks = fake.responses()[-1]["blocks"]
    assert blocks[0]["type"] == "header"
    rows = [f["text"] for b in blocks if b["type"] == "section" for f in b.get("fields", [])]
    names = {"UADA": "Ada", "UBOB": "Bob", "UCY": "Cy", "UDEE": "Dee"}
    assert any(names[first.candidate.id] in row for row in rows), rows
