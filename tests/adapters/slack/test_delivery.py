"""How requests reach the app: signatures, retried events, rate limits, admins, restarts."""

from __future__ import annotations

import asyncio
import time
import types
from dataclasses import replace
from pathlib import Path

import pytest
from slack_sdk.http_retry import async_handler, builtin_async_handlers

from adapters.slack import inbound
from bot.model import Phase, UserRef
from tests.adapters.slack.harness import Harness
from tests.fakes.slack_fake import FakeSlack
from tests.fakes.slack_fake_sender import sign

ADA = UserRef("slack", "T0MOCK", "UADA")


async def test_forged_and_stale_signatures_are_refused_and_change_nothing(http: Harness) -> None:
    forged = http.send.slash("UADA", "join")
    assert (
        await http.send.command(
            forged, signature=sign("not-the-secret", str(int(time.time())), "x")
        )
    ).status == 401
    stale = http.send.slash("UADA", "join")
    assert (await http.send.command(stale, timestamp=int(time.time()) - 10 * 60)).status == 401
    await http.runtime.idle()
    assert await http.core.store.get_member(ADA) is None
    assert http.fake.responses() == [] and http.fake.calls_to("users.info") == []
    # the same request, properly signed, goes through: the refusals were about the signature
    assert "joined" in await http.mock("UADA", "join")
    assert await http.core.store.get_member(ADA) is not None


async def test_the_request_url_check_is_answered(http: Harness) -> None:
    # what Slack sends when an admin enters the Request URL for HTTP mode
    challenge = {
        "token": "legacy-unused",
        "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
        "type": "url_verification",
    }
    delivered = await http.send.event(challenge)
    assert delivered.status == 200 and delivered.body == {"challenge": challenge["challenge"]}


async def test_a_non_admin_cannot_run_an_admin_command(http: Harness) -> None:
    refused = await http.mock("UADA", "schedule mon 18:00")
    assert "only organisers" in refused
    assert (await http.core.store.get_config("slack:T0MOCK")).schedule is None
    allowed = await http.mock("UADMIN", "schedule mon 18:00")
    assert "only organisers" not in allowed
    assert (await http.core.store.get_config("slack:T0MOCK")).schedule is not None


@pytest.mark.parametrize("status", [503, 405])
async def test_a_web_api_failure_with_a_plain_text_body_still_answers(
    http: Harness, status: int, caplog: pytest.LogCaptureFixture
) -> None:
    http.fake.fail("users.info", status, retry_after=None, times=6)  # outlasts any retry
    answer = await http.mock("UADA", "join")
    assert answer.startswith("Welcome!")  # as a member: unknown rights are never an admin's
    lines = [r.getMessage() for r in caplog.records if "users.info" in r.getMessage()]
    assert lines == [f"users.info for UADA failed: HTTP {status}: upstream hiccup"]


async def test_a_user_group_of_organisers_runs_admin_commands(http: Harness) -> None:
    store = http.core.store
    cfg = await store.get_config("slack:T0MOCK")
    await store.save_config(replace(cfg, organiser_role="S0MODS"))
    http.fake.usergroups["S0MODS"] = {"UADA"}
    allowed = await http.mock("UADA", "schedule mon 18:00")
    assert "only organisers" not in allowed and "Slot 1" in allowed
    calls = [x for x in http.fake.calls if x.method == "usergroups.users.list"]
    assert calls and calls[-1].args["usergroup"] == "S0MODS"
    http.fake.usergroups["S0MODS"] = set()
    assert "only organisers" in await http.mock("UADA", "round start")


async def test_the_bot_joins_the_announcement_channel_it_was_not_invited_to(http: Harness) -> None:
    http.fake.add_channel("CANNOUNCE", set(http.fake.users), bot_invited=False)
    await http.mock("UADMIN", "schedule mon 18:00 tz=UTC", channel="CANNOUNCE")
    await http.tick(seconds=1)
    assert [c.error for c in http.fake.calls if c.method == "chat.postMessage"] == [
        "not_in_channel",
        "",
    ]
    assert http.fake.calls_to("conversations.join") == [{"channel": "CANNOUNCE"}]
    assert http.button("CANNOUNCE", "mr:join")


async def test_bad_input_is_answered_privately_in_one_line(http: Harness) -> None:
    answer = await http.mock("UADA", "join level=wizard")
    assert answer and "\n" not in answer
    assert http.fake.responses()[-1]["response_type"] == "ephemeral"
    assert await http.core.store.get_member(ADA) is None
    # usage lines hold <placeholders>: escaped, or Slack would read them as links
    usage = await http.mock("UADMIN", "schedule")
    assert "&lt;mon..sun&gt;" in usage and "<mon" not in usage


async def pair(h: Harness, a: str = "UADA", b: str = "UBOB") -> str:
    """Two members join and ask for a partner now; returns their session id."""
    for uid in (a, b):
        await h.mock(uid, "join track=behavioral level=mid")
    for uid in (a, b):
        await h.mock(uid, "now")
    return (await h.session_of(a)).id


async def feedback_phase(h: Harness, session_id: str):
    session = await h.ready_all(await h.core.store.get_session(session_id))
    while session.phase is not Phase.FEEDBACK:
        session = await h.end_phase(session.id)
    return session


async def test_a_retried_event_is_processed_once(http: Harness) -> None:
    session = await feedback_phase(http, await pair(http))
    space, interviewer = session.space.id, session.turns[0].interviewer.id
    ts, _ = http.button(space, f"mr:rate:{session.id}:0")
    before = len(http.fake.ephemerals(interviewer))  # the guide
    first = await http.react(interviewer, "three", channel=space, ts=ts, event_id="EvSAME")
    again = await http.react(interviewer, "three", channel=space, ts=ts, event_id="EvSAME", retry=1)
    assert first.status == again.status == 200
    answers = http.fake.ephemerals(interviewer)[before:]
    assert len(answers) == 1 and "Rating saved" in answers[0]["text"], answers
    assert [r.overall for r in await http.core.store.session_ratings(session.id)] == [3]


async def test_a_modal_with_a_missing_score_comes_back_with_a_field_error(http: Harness) -> None:
    session = await feedback_phase(http, await pair(http))
    space, interviewer = session.space.id, session.turns[0].interviewer.id
    ts, rate = http.button(space, f"mr:rate:{session.id}:0")
    await http.click(interviewer, rate, channel=space, ts=ts)
    view = http.last_view()
    dimensions = [b["block_id"] for b in view["blocks"] if b["element"]["type"] == "static_select"]
    assert len(dimensions) >= 2
    values = dict.fromkeys(dimensions[1:], "4")  # the first dimension left empty
    ack = await http.submit(interviewer, view, values)
    assert ack.body["response_action"] == "errors"
    assert list(ack.body["errors"]) == [dimensions[0]]
    assert await http.core.store.session_ratings(session.id) == []


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The retry handlers' only clock is asyncio.sleep: record the waits instead of sleeping."""
    recorded: list[float] = []

    async def no_real_sleep(seconds: float) -> None:
        recorded.append(seconds)

    monkeypatch.setattr(
        builtin_async_handlers, "asyncio", types.SimpleNamespace(sleep=no_real_sleep)
    )
    monkeypatch.setattr(async_handler, "asyncio", types.SimpleNamespace(sleep=no_real_sleep))
    return recorded


async def test_a_429_waits_for_retry_after_and_then_posts(
    http: Harness, waits: list[float]
) -> None:
    await http.mock("UADMIN", "schedule mon 18:00 tz=UTC")
    http.fake.fail("chat.postMessage", 429, retry_after=2)
    http.fake.fail("chat.postMessage", 429, retry_after=1)
    await http.tick(seconds=1)  # the signup post goes out now
    attempts = [c.status for c in http.fake.calls if c.method == "chat.postMessage"]
    assert attempts == [429, 429, 200]
    assert len(waits) == 2 and 2 <= waits[0] < 3 and 1 <= waits[1] < 2
    assert http.button("CPRACTICE", "mr:join")
    # each refusal is counted for /metrics
    metrics = (await http.core.metrics_text()).decode()
    assert 'mockround_platform_rate_limited_total{platform="slack"} 2.0' in metrics


async def test_a_500_is_tried_once_more(http: Harness, waits: list[float]) -> None:
    await http.mock("UADMIN", "schedule mon 18:00 tz=UTC")
    http.fake.fail("chat.postMessage", 500)
    await http.tick(seconds=1)
    assert [c.status for c in http.fake.calls if c.method == "chat.postMessage"] == [500, 200]
    assert len(waits) == 1 and http.button("CPRACTICE", "mr:join")


async def test_a_button_still_works_after_a_restart(fake: FakeSlack, tmp_path: Path) -> None:
    db = tmp_path / "mockround.db"
    before = Harness(fake, db)
    await before.start("http")
    try:
        session_id = await pair(before)
        clock = before.clock
    finally:
        await before.stop()

    after = Harness(fake, db, clock=clock)  # a new process: new bolt app, new core, same file
    await after.start("http")
    try:
        session = await after.core.store.get_session(session_id)
        assert session.phase is Phase.INTRO
        session = await after.ready_all(session)
        assert session.phase is Phase.PREP
        assert fake.ephemerals(session.turns[0].interviewer.id), "the guide reached the interviewer"
    finally:
        await after.stop()


async def test_a_slow_rating_still_closes_the_modal_in_time(
    http: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = await feedback_phase(http, await pair(http))
    space, interviewer = session.space.id, session.turns[0].interviewer.id
    ts, rate = http.button(space, f"mr:rate:{session.id}:0")
    await http.click(interviewer, rate, channel=space, ts=ts)
    view = http.last_view()
    dimensions = [b["block_id"] for b in view["blocks"] if b["element"]["type"] == "static_select"]

    core, gate = http.runtime.inbound.service, asyncio.Event()

    class SlowCore:  # holds the submission until the test lets it through
        async def handle(self, cmd):
            await gate.wait()
            return await core.handle(cmd)

    monkeypatch.setattr(http.runtime.inbound, "service", SlowCore())
    monkeypatch.setattr(inbound, "VIEW_ACK_BUDGET", 0.01)  # stands for Slack's 3 s
    ack = await http.send.interaction(
        http.send.submit(interviewer, view, dict.fromkeys(dimensions, "3"))
    )
    assert ack.status == 200 and ack.body is None  # the modal closed before the core answered
    assert await http.core.store.session_ratings(session.id) == []
    gate.set()
    await http.runtime.idle()
    assert [r.overall for r in await http.core.store.session_ratings(session.id)] == [3]
    assert "Rating saved" in http.fake.ephemerals(interviewer)[-1]["text"]


async def test_signup_post_takes_the_join_button_and_the_raised_hand(http: Harness) -> None:
    await http.mock("UADMIN", "schedule mon 18:00 tz=UTC")
    await http.tick(seconds=1)
    ts, join = http.button("CPRACTICE", "mr:join")
    answer = await http.click("UCY", join, channel="CPRACTICE", ts=ts)
    assert "joined" in answer
    await http.react("UDEE", "raised_hand", channel="CPRACTICE", ts=ts)
    store = http.core.store
    assert {m.user.id for m in await store.members("slack:T0MOCK")} == {"UCY", "UDEE"}
    assert (
        await store.get_member(UserRef("slack", "T0MOCK", "UCY"))
    ).name == "Cy"  # from users.info


async def test_stats_resolves_an_escaped_mention(http: Harness) -> None:
    await http.mock("UBOB", "join")
    assert "Progress of Bob" in await http.mock("UADA", "stats <@UBOB|bob>")
    assert "unknown member" in await http.mock("UADA", "stats @bob")
    # the chart follows the numbers; a private message cannot carry it: it goes to the DM
    await http.core.service.charts.settle()
    (chart,) = http.fake.uploads.values()
    assert chart["filename"] == "progress.png" and chart["data"].startswith(b"\x89PNG")
    assert http.fake.conversations[chart["channel"]].is_im


async def test_a_fun_reaction_gets_no_answer_but_a_wrong_rater_does(http: Harness) -> None:
    session = await feedback_phase(http, await pair(http))
    space, candidate = session.space.id, session.turns[0].candidate.id
    ts, _ = http.button(space, f"mr:rate:{session.id}:0")
    welcome_ts = next(t for (ch, t) in http.fake.messages if ch == space)
    await http.react(candidate, "tada", channel=space, ts=welcome_ts)
    await http.react(candidate, "+1", channel=space, ts=ts)
    assert http.fake.ephemerals(candidate) == []
    await http.react(candidate, "five", channel=space, ts=ts)  # candidates do not rate themselves
    assert "only the interviewer" in http.fake.ephemerals(candidate)[-1]["text"]
    assert await http.core.store.session_ratings(session.id) == []
