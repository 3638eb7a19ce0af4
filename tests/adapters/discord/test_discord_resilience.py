"""Restarts, rate limits, a dropped gateway and closed DMs, each in the middle of a round."""

from __future__ import annotations

import asyncio

from discord_harness import Harness

from bot.model import Phase
from tests.fakes.discord_fake import text_of

LONG = 120  # minutes: ends exactly the current phase


async def test_a_button_clicked_after_a_restart_still_works(harness: Harness) -> None:
    fake, h = harness.fake, harness
    alice, bob = fake.add_member("alice"), fake.add_member("bob")
    tid, session_id = await h.pair(alice, bob)
    welcome = h.with_button(tid, "mr:ready:")

    await h.restart()  # new client (empty view store), new core, same SQLite file
    assert fake.gateway.identifies == 2

    for uid in (alice, bob):
        inter = await fake.answered(await fake.click(uid, welcome, f"mr:ready:{session_id}"))
        assert not inter.text.startswith("Something"), inter.text
    assert (await h.app.store.get_session(session_id)).phase is Phase.PREP
    assert any("Question for" in t for t in h.texts(tid))


async def test_a_reaction_added_after_a_restart_is_recorded(harness: Harness) -> None:
    fake, h = harness.fake, harness
    alice, bob = fake.add_member("alice"), fake.add_member("bob")
    tid, session_id = await h.pair(alice, bob)
    await h.confirm_both(tid, session_id)
    await h.tick(minutes=LONG)
    await h.tick(minutes=LONG)
    feedback = h.with_button(tid, "mr:rate:")
    session = await h.app.store.get_session(session_id)
    interviewer = int(session.turn.interviewer.id)

    await h.restart()
    await fake.react(interviewer, feedback, "3️⃣")

    async def rated() -> list:
        return await h.app.store.session_ratings(session_id)

    (rating,) = await h.until(rated, "the reaction rating")
    assert (rating.overall, rating.source, rating.rater.id) == (3, "reaction", str(interviewer))


async def test_a_429_on_thread_creation_waits_and_succeeds(
    harness: Harness, http_waits: list[float]
) -> None:
    fake, h = harness.fake, harness
    fake.fail("POST", r"^/channels/\d+/threads$", 429, retry_after=2.5)
    alice, bob = fake.add_member("alice"), fake.add_member("bob")
    tid, _ = await h.pair(alice, bob)

    attempts = fake.requests_to("POST", r"^/channels/\d+/threads$")
    assert [r.status for r in attempts] == [429, 201]
    assert [w for w in http_waits if w > 0] == [2.5]  # exactly the retry_after asked for
    assert len(fake.threads()) == 1
    assert fake.thread_members[tid] == {fake.bot_id, alice, bob}
    # the refusal is counted for /metrics
    metrics = (await h.app.metrics_text()).decode()
    assert 'mockround_platform_rate_limited_total{platform="discord"} 1.0' in metrics


async def test_a_500_on_a_post_is_retried_once_not_duplicated(
    harness: Harness, http_waits: list[float]
) -> None:
    fake, h = harness.fake, harness
    alice, bob = fake.add_member("alice"), fake.add_member("bob")
    tid, session_id = await h.pair(alice, bob)
    fake.fail("POST", rf"^/channels/{tid}/messages$", 500)
    await h.confirm_both(tid, session_id)

    assert [w for w in http_waits if w > 0] == [1]  # discord.py backs off 1 s before a retry
    texts = h.texts(tid)
    assert sum("Turn 1: prep" in t for t in texts) == 1
    assert sum("Question for" in t for t in texts) == 1


async def test_a_gateway_drop_mid_round_resumes_without_duplicates(harness: Harness) -> None:
    fake, h = harness.fake, harness
    alice, bob = fake.add_member("alice"), fake.add_member("bob")
    tid, session_id = await h.pair(alice, bob)
    welcome = h.with_button(tid, "mr:ready:")

    fake.gateway.resume_gate = asyncio.Event()
    await fake.gateway.drop()
    # clicked while the bot is disconnected: delivered on RESUME, once
    clicks = [await fake.click(uid, welcome, f"mr:ready:{session_id}") for uid in (alice, bob)]
    assert not any(i.responses for i in clicks)
    fake.gateway.resume_gate.set()
    for inter in clicks:
        await fake.answered(inter)
    assert fake.gateway.identifies == 1 and fake.gateway.resumes == 1
    assert fake.gateway.replayed == 2
    assert (await h.app.store.get_session(session_id)).phase is Phase.PREP
    assert all(len(i.responses) == 1 for i in clicks)
    texts = h.texts(tid)
    assert sum("Question for" in t for t in texts) == 1
    assert sum("Turn 1: prep" in t for t in texts) == 1


async def test_closed_dms_fall_back_to_a_mention_in_the_thread(harness: Harness) -> None:
    fake, h = harness.fake, harness
    alice, bob = fake.add_member("alice"), fake.add_member("bob")
    fake.closed_dms |= {alice, bob}
    tid, session_id = await h.pair(alice, bob)
    await h.confirm_both(tid, session_id)

    session = await h.app.store.get_session(session_id)
    interviewer = int(session.turn.interviewer.id)
    refused = fake.requests_to("POST", r"^/channels/\d+/messages$")
    assert any(r.status == 403 for r in refused)
    notes = [t for t in h.texts(tid) if f"<@{interviewer}>" in t and "direct message" in t]
    assert len(notes) == 1
    assert not any("Only you see this" in text_of(m) for m in fake.messages.values())


async def test_posts_left_queued_go_out_after_login_on_restart(harness: Harness) -> None:
    """Recovery waits for the gateway: before it, no send can work (nothing is logged in)."""
    fake, h = harness.fake, harness
    alice, bob = fake.add_member("alice"), fake.add_member("bob")
    tid, session_id = await h.pair(alice, bob)
    refused = fake.fail("POST", rf"^/channels/{tid}/messages$", 403, times=50)
    await h.confirm_both(tid, session_id)  # prep begins; its posts cannot be delivered
    assert not any("Turn 1: prep" in t for t in h.texts(tid))
    assert await h.app.store.undelivered(session_id)
    refused.times = 0  # the platform is fine again; the bot restarts before anyone acts
    await h.restart()
    texts = h.texts(tid)
    assert sum("Turn 1: prep" in t for t in texts) == 1
    assert sum("Question for" in t for t in texts) == 1
    assert await h.app.store.undelivered(session_id) == []
    assert fake.gateway.identifies == 2


async def test_a_reconnection_sends_what_failed_while_away(harness: Harness) -> None:
    fake, h = harness.fake, harness
    alice, bob = fake.add_member("alice"), fake.add_member("bob")
    tid, session_id = await h.pair(alice, bob)
    refused = fake.fail("POST", rf"^/channels/{tid}/messages$", 403, times=50)
    await h.confirm_both(tid, session_id)
    assert await h.app.store.undelivered(session_id)
    refused.times = 0
    await fake.gateway.drop()  # the connection drops and resumes; nobody acts meanwhile

    async def emptied() -> bool:
        return await h.app.store.undelivered(session_id) == []

    await h.until(emptied, "the queued posts to go out after the reconnection")
    assert sum("Turn 1: prep" in t for t in h.texts(tid)) == 1


async def test_a_post_accepted_before_a_crash_is_not_posted_again(harness: Harness) -> None:
    """Killed after Discord took the post and before it was marked sent: the restart sends
    it again with the same nonce, and Discord keeps one copy."""
    fake, h = harness.fake, harness
    alice, bob = fake.add_member("alice"), fake.add_member("bob")
    tid, session_id = await h.pair(alice, bob)
    store = h.app.store
    real = store.mark_delivered

    async def killed(*args, **kwargs):
        raise ConnectionError("the process died here")

    store.mark_delivered = killed
    await h.confirm_both(tid, session_id)  # prep's posts reach Discord; none is marked sent
    assert sum("Turn 1: prep" in t for t in h.texts(tid)) == 1
    store.mark_delivered = real
    await h.restart()
    texts = h.texts(tid)
    assert sum("Turn 1: prep" in t for t in texts) == 1
    assert sum("Question for" in t for t in texts) == 1
    assert await h.app.store.undelivered(session_id) == []
    bodies = [
        r.body
        for r in fake.requests
        if r.method == "POST" and r.path == f"/channels/{tid}/messages"
    ]
    assert all(b.get("nonce") and b.get("enforce_nonce") for b in bodies if b)
