"""A whole weekly round through the real discord.py client, the real core and the fake Discord:
joins, signup post, scheduled round, private threads, questions and guides, timers,
a reaction rating and a form rating, the leaderboard."""

from __future__ import annotations

import re

from discord_harness import Harness

from bot.messages import SCORE_EMOJIS
from bot.model import Phase
from tests.fakes.discord_fake import custom_ids, text_of

ALL_THE_TIME = 120  # minutes: longer than any phase, so one tick ends exactly the current phase


async def test_a_whole_round(harness: Harness) -> None:
    fake, h = harness.fake, harness
    alice, bob, carol, dave = (fake.add_member(n) for n in ("alice", "bob", "carol", "dave"))
    track = h.app.bank.tracks()[0]

    # members opt in with typed options; the commands were synced with choices and descriptions
    mock = next(c for c in fake.commands if c["name"] == "mock")
    join_def = next(o for o in mock["options"] if o["name"] == "join")
    assert {o["name"] for o in join_def["options"]} == {"track", "level", "timezone", "slot"}
    assert all(o["description"] for o in join_def["options"])
    assert track in [c["value"] for c in join_def["options"][0]["choices"]]
    for uid in (alice, bob):
        assert "track" in await h.join(uid, track=track, level="mid", timezone="Europe/Berlin")

    # the admin schedules Monday 18:00; the signup post goes out at once (the round is < 1 day away)
    sched = await fake.answered(
        await fake.slash(
            fake.owner_id, "schedule", weekday="mon", time="18:00", channel=fake.channel_id
        )
    )
    assert "mon" in sched.text.lower(), sched.text
    await h.tick(seconds=1)
    signup = h.with_button(fake.channel_id, "mr:join")
    assert re.search(r"<t:\d+:R>", signup["content"]) and "{deadline}" not in signup["content"]
    assert fake.reactions[int(signup["id"])]["✋"] == [fake.bot_id]
    joined = await fake.answered(await fake.click(carol, signup, "mr:join"))
    assert joined.ephemeral and "joined" in joined.text.lower()
    await fake.react(dave, signup, "✋")
    await fake.wait_for(
        lambda: len(fake.requests_to("POST", r"/interactions/")) >= 4, what="answers"
    )

    async def four_members() -> bool:
        return len(await h.app.store.members(h.community)) == 4

    await h.until(four_members, "4 members")

    # 18:00: the round fires; one private thread per pair, each with exactly its pair
    await h.tick(minutes=60)
    threads = await fake.wait_for(
        lambda: len(fake.threads()) == 2 and fake.threads(), what="2 threads"
    )
    everyone = set()
    for t in threads:
        assert t["type"] == 12 and t["parent_id"] == str(fake.channel_id)
        people = fake.thread_members[int(t["id"])] - {fake.bot_id}
        assert len(people) == 2
        everyone |= people
    assert everyone == {alice, bob, carol, dave}

    thread = int(threads[0]["id"])
    pair = sorted(fake.thread_members[thread] - {fake.bot_id})
    welcome = h.with_button(thread, "mr:ready:")
    assert all(f"<@{u}>" in welcome["content"] for u in pair)
    session_id = h.button_id(welcome, "mr:ready:").split(":")[2]

    # both press "I'm here": prep starts, the question is posted, the guide goes to the interviewer only
    for uid in pair:
        await fake.answered(await fake.click(uid, welcome, f"mr:ready:{session_id}"))
    session = await h.app.store.get_session(session_id)
    assert session.phase is Phase.PREP
    interviewer = int(session.turn.interviewer.id)
    candidate = int(session.turn.candidate.id)
    await fake.wait_for(lambda: fake.dms_to(interviewer), what="the guide DM")
    guide = text_of(fake.dms_to(interviewer)[0])
    assert "Only you see this" in guide and "What good looks like" in guide
    assert not fake.dms_to(candidate), "the candidate must not get the guide"
    texts = "\n".join(h.texts(thread))
    assert "Question for" in texts and "Interviewer guide" not in texts
    assert re.search(r"prep ends <t:\d+:R>", texts)

    # prep and answer run out on the clock; time's-up messages and the feedback message follow
    await h.tick(minutes=ALL_THE_TIME)
    await h.tick(minutes=ALL_THE_TIME)
    feedback = h.with_button(thread, "mr:rate:")
    assert "Time's up" in text_of(feedback)
    own = fake.reactions[int(feedback["id"])]
    assert all(own.get(e) == [fake.bot_id] for e in SCORE_EMOJIS)

    # the interviewer's quick score: a 4️⃣ reaction
    await fake.react(interviewer, feedback, "4️⃣")

    async def ratings() -> list:
        return await h.app.store.session_ratings(session_id)

    (quick,) = await h.until(ratings, "the reaction rating")
    assert (quick.overall, quick.source, quick.turn) == (4, "reaction", 0)
    assert quick.rater.id == str(interviewer) and quick.ratee.id == str(candidate)

    # turn 2, roles swapped: the other member gets the next guide; "I'm done" ends the answer early
    await h.tick(minutes=ALL_THE_TIME)
    # turn 1's feedback closed: its candidate gets the quick score privately, by DM
    await fake.wait_for(
        lambda: [m for m in fake.dms_to(candidate) if "rated your answer" in text_of(m)],
        what="the candidate's feedback DM",
    )
    await fake.wait_for(
        lambda: [
            m
            for m in fake.dms_to(candidate)
            if "Only you see this. " in text_of(m) and "What good looks like" in text_of(m)
        ],
        what="the second guide",
    )
    await h.tick(minutes=ALL_THE_TIME)  # prep over
    answer_msg = h.with_button(thread, "mr:done:")
    done_id = h.button_id(answer_msg, "mr:done:")
    assert done_id == f"mr:done:{session_id}:answer:1"  # the press names the phase it ends
    done = await fake.answered(await fake.click(interviewer, answer_msg, done_id))
    assert not done.text.startswith("Something")

    # the new interviewer rates with the full rubric: Rate opens a modal of selects in labels
    feedback2 = h.with_button(thread, f"mr:rate:{session_id}:1")
    opened = await fake.answered(await fake.click(candidate, feedback2, f"mr:rate:{session_id}:1"))
    assert opened.modal is not None and opened.modal["custom_id"] == f"mr:form:{session_id}:1"
    labels = opened.modal["components"]
    assert all(c["type"] == 18 for c in labels) and 2 <= len(labels) <= 5
    selects = [c["component"]["custom_id"] for c in labels if c["component"]["type"] == 3]
    values = dict.fromkeys(selects, "5") | {"comment": "Clear structure"}
    sent = await fake.answered(await fake.submit_modal(candidate, opened, values))
    assert sent.ephemeral and not sent.text.startswith("Something"), sent.text
    full = [r for r in await ratings() if r.turn == 1]
    assert len(full) == 1 and full[0].source == "form" and full[0].overall == 5
    assert full[0].comment == "Clear structure" and set(full[0].scores) == set(selects)

    # the last feedback runs out: the session is done and its thread archived and locked
    await h.tick(minutes=ALL_THE_TIME)
    assert (await h.app.store.get_session(session_id)).phase is Phase.DONE
    meta = fake.channels[thread]["thread_metadata"]
    assert meta["archived"] and meta["locked"]

    # the leaderboard is an embed, answered in time like every interaction of the round
    board = await fake.answered(await fake.slash(alice, "leaderboard", period="all"))
    assert board.messages[0]["embeds"] and board.messages[0]["embeds"][0]["title"]
    stats = await fake.answered(await fake.slash(alice, "stats", member=bob))
    (embed,) = stats.messages[0]["embeds"]
    assert "bob" in embed["title"] and embed["fields"] and stats.ephemeral
    # the numbers come at once; the progress chart follows in a DM, shown inside an embed
    assert "chart follows in a private message" in text_of(stats.messages[0])
    await h.app.service.charts.settle()
    chart = fake.dms_to(alice)[-1]
    assert [a["filename"] for a in chart["attachments"]] == ["progress.png"]
    assert chart["embeds"][0]["image"]["url"] == "attachment://progress.png"
    assert all(r["elapsed"] < 3.0 for r in fake.interaction_responses)
    assert not [m for m in fake.messages.values() if "{deadline}" in text_of(m)]
    assert all(custom_ids(m) == [] or m["components"] for m in fake.messages.values())
