"""Window mode on Discord through the real discord.py client and the fake: a private voice
channel per pair with its permission overwrites, slot buttons, the booking's .ics file,
times shown as Discord timestamps, and the voice channel removed when the session ends."""

from __future__ import annotations

import re

import icalendar
from discord_harness import Harness

from bot import commands as c
from bot.model import Phase
from bot.sessions.machine import Cancelled
from tests.fakes.discord_fake import custom_ids, text_of

VIEW, CONNECT = 1 << 10, 1 << 20


async def window_pair(h: Harness, category: int | None) -> tuple[int, int, dict, str]:
    fake = h.fake
    alice, bob = fake.add_member("alice"), fake.add_member("bob")
    settings = {"meet": "window", **({"voice": str(category)} if category else {})}
    r = await h.app.service.handle(
        c.Configure(actor=h.ref(fake.owner_id), is_admin=True, settings=settings)
    )
    assert not r.error, r.text
    for uid, tz in ((alice, "Europe/Berlin"), (bob, "America/New_York")):
        await h.join(uid, level="mid", timezone=tz)
    started = await fake.answered(await fake.slash(fake.owner_id, "round", action="start"))
    assert "Round started" in started.text, started.text
    thread = await fake.wait_for(lambda: fake.threads(), what="the pair's thread")
    tid = int(thread[-1]["id"])
    post = await fake.wait_for(
        lambda: next(
            (m for m in fake.messages_in(tid) if any("mr:accept:" in x for x in custom_ids(m))),
            None,
        ),
        what="the booking post",
    )
    session_id = next(x for x in custom_ids(post) if x.startswith("mr:accept:")).split(":")[2]
    return alice, bob, post, session_id


async def test_a_pair_gets_a_private_voice_channel_and_books_with_buttons(harness: Harness):
    fake, h = harness.fake, harness
    category = fake.add_category("Mock interview rooms")
    await h.restart()  # the category arrives with the guild, as in a real server
    alice, bob, post, sid = await window_pair(h, category)

    (voice,) = fake.voice_channels()
    assert voice["parent_id"] == str(category)
    rules = {int(o["id"]): o for o in voice["permission_overwrites"]}
    assert int(rules[fake.guild_id]["deny"]) & VIEW  # @everyone cannot see it
    for uid in (alice, bob, fake.bot_id):
        assert int(rules[uid]["allow"]) & VIEW and int(rules[uid]["allow"]) & CONNECT
    link = f"https://discord.com/channels/{fake.guild_id}/{voice['id']}"
    text = text_of(post)
    assert link in text
    # each slot is a Discord timestamp: every reader sees it in their own zone
    assert re.search(r"<t:\d+:F> \(<t:\d+:R>\)", text) and "{at:" not in text

    for uid in (alice, bob):
        answer = await fake.answered(await fake.click(uid, post, f"mr:accept:{sid}:1"))
        assert not answer.text.startswith("that button"), answer.text
    s = await h.app.store.get_session(sid)
    assert s.phase is Phase.BOOKED
    booked = await fake.wait_for(
        lambda: next(
            (m for m in fake.messages_in(int(s.space.id)) if int(m["id"]) in fake.files), None
        ),
        what="the invitation",
    )
    (ics,) = fake.files[int(booked["id"])].values()
    event = next(iter(icalendar.Calendar.from_ical(ics).walk("VEVENT")))
    assert event.decoded("dtstart") == s.starts_at and link in str(event["location"])

    # the session ends: its voice channel is removed
    early = await h.app.service.handle(c.ReportNoShow(actor=h.ref(alice)))
    assert early.error and "booked time" in early.text
    await h.app.practice.apply(sid, Cancelled(h.ref(alice)))
    await fake.wait_for(lambda: not fake.voice_channels(), what="the voice channel removed")
    assert fake.deleted_channels[-1]["id"] == voice["id"]


async def test_without_manage_channels_the_pair_gets_a_meeting_link(harness: Harness):
    fake, h = harness.fake, harness
    fake.bot_manages_channels = False
    await h.restart()
    _, _, post, sid = await window_pair(h, None)
    assert fake.voice_channels() == []
    assert "https://meet.jit.si/mockround-" in text_of(post)
