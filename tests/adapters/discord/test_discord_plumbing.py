"""The translation itself, against a stub core: what Discord sends becomes the right command,
and what the core answers reaches the member the right way."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass, field

import pytest

from adapters.discord.runner import DiscordBot
from bot import commands as c
from bot.app.config import Settings
from bot.app.metrics import Metrics
from bot.messages import Button, Choice, Field, Form, OutMessage, Reply
from tests.fakes.discord_fake import TOKEN, FakeDiscord


@dataclass
class StubService:
    replies: dict[type, Reply] = field(default_factory=dict)
    seen: list[c.Command] = field(default_factory=list)

    async def handle(self, cmd: c.Command) -> Reply:
        self.seen.append(cmd)
        return self.replies.get(type(cmd), Reply.ok(f"ok {type(cmd).__name__}"))


class StubBank:
    def tracks(self) -> list[str]:
        return ["behavioral", "coding"]


@dataclass
class StubApp:
    service: StubService = field(default_factory=StubService)
    bank: StubBank = field(default_factory=StubBank)
    connected: dict = field(default_factory=dict)
    metrics: Metrics = field(default_factory=Metrics)

    async def prepare(self) -> None:
        pass

    async def go_live(self) -> None:
        pass

    async def catch_up(self) -> None:
        pass

    async def drain(self) -> None:
        pass

    async def stop(self) -> None:
        pass


def settings_for(fake: FakeDiscord, tmp_path) -> Settings:
    return Settings(
        discord_token=TOKEN,
        discord_api_url=fake.api_url,
        discord_gateway_url=fake.gateway_url,
        discord_guild_ready_timeout=0.05,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'mockround.db'}",
    )


async def test_slash_join_reaches_the_core_with_who_and_where(fake: FakeDiscord, tmp_path) -> None:
    app = StubApp()
    bot = DiscordBot(settings_for(fake, tmp_path), app=app)
    await bot.start(ready_timeout=10)
    try:
        alice = fake.add_member("alice")
        inter = await fake.answered(
            await fake.slash(alice, "join", track="coding", timezone="Europe/Berlin")
        )
        assert "ok Join" in inter.text and inter.ephemeral
        (cmd,) = app.service.seen
        assert isinstance(cmd, c.Join)
        assert (cmd.track, cmd.level, cmd.timezone) == ("coding", None, "Europe/Berlin")
        assert cmd.actor.id == str(alice) and cmd.actor.workspace == str(fake.guild_id)
        assert cmd.channel.id == str(fake.channel_id) and cmd.event_id == str(inter.id)
        assert not cmd.is_admin
    finally:
        await bot.stop()


async def test_buttons_forms_and_embeds(fake: FakeDiscord, tmp_path) -> None:
    app = StubApp()
    form = Form(
        form_id="mr:form:s1:0",
        title="Rate the candidate",
        fields=(
            Field(
                "structure", "Structure", choices=tuple(Choice(str(i), str(i)) for i in range(1, 6))
            ),
            Field("comment", "Comment", kind="text", required=False),
        ),
    )
    app.service.replies[c.OpenRatingForm] = Reply(form=form)
    board = OutMessage(
        text="This week", title="Leaderboard", fields=(("1. alice", "4.5"),), kind="leaderboard"
    )
    app.service.replies[c.ShowLeaderboard] = Reply(message=board, ephemeral=False)
    bot = DiscordBot(settings_for(fake, tmp_path), app=app)
    await bot.start(ready_timeout=10)
    try:
        alice = fake.add_member("alice")
        from adapters.discord.chat import PLATFORM
        from bot.model import ChannelRef

        space = ChannelRef(PLATFORM, str(fake.guild_id), str(fake.channel_id))
        ref = await bot.client.chat.send(
            space, OutMessage(text="Rate it", buttons=(Button("mr:rate:s1:0", "Rate"),))
        )
        posted = fake.messages[int(ref.id)]
        opened = await fake.answered(await fake.click(alice, posted, "mr:rate:s1:0"))
        assert opened.modal is not None and opened.modal["custom_id"] == "mr:form:s1:0"
        sent = await fake.answered(
            await fake.submit_modal(alice, opened, {"structure": "4", "comment": "clear"})
        )
        rating = app.service.seen[-1]
        assert isinstance(rating, c.SubmitRating)
        assert (rating.session_id, rating.turn, dict(rating.values), rating.comment) == (
            "s1",
            0,
            {"structure": "4"},
            "clear",
        )
        assert sent.text
        lb = await fake.answered(await fake.slash(alice, "leaderboard", period="month"))
        assert lb.original["embeds"][0]["title"] == "Leaderboard" and not lb.ephemeral
    finally:
        await bot.stop()


async def test_a_slow_core_is_deferred_then_answered(fake: FakeDiscord, tmp_path) -> None:
    gate = asyncio.Event()

    class SlowService(StubService):
        async def handle(self, cmd: c.Command) -> Reply:
            await gate.wait()
            return await super().handle(cmd)

    app = StubApp(service=SlowService())
    board = OutMessage(text="top", title="Leaderboard", fields=(("1. a", "5"),), kind="leaderboard")
    app.service.replies[c.ShowLeaderboard] = Reply(message=board, ephemeral=False)
    form = Form("mr:form:s1:0", "Rate", (Field("comment", "Comment", kind="text"),))
    app.service.replies[c.OpenRatingForm] = Reply(form=form)
    bot = DiscordBot(settings_for(fake, tmp_path), app=app)
    await bot.start(ready_timeout=10)
    bot.client.answers.head_start = 0.0  # the core "takes too long" at once: no real waiting
    try:
        alice = fake.add_member("alice")
        lb = await fake.slash(alice, "leaderboard")
        rate = await fake.slash(alice, "rate")
        await fake.wait_for(lambda: lb.responses and rate.responses, what="the deferrals")
        assert [r["type"] for r in (lb.responses[0], rate.responses[0])] == [5, 5]
        assert lb.deferred_ephemeral and not lb.followups and lb.original is None
        gate.set()
        await fake.answered(lb)
        await fake.answered(rate)
        # a public answer after a private deferral is posted in the channel itself
        # (the channel post may land just after the interaction's own answer: wait for it)
        posted = await fake.wait_for(
            lambda: [m for m in fake.messages_in(fake.channel_id) if m["embeds"]],
            what="the public leaderboard post",
        )
        assert posted[-1]["embeds"][0]["title"] == "Leaderboard"
        # a form cannot follow a deferral: the member is told to press again
        assert rate.modal is None and "press Rate again" in rate.text
    finally:
        await bot.stop()


async def test_without_a_thread_the_pair_space_is_their_dms(fake: FakeDiscord, tmp_path) -> None:
    from bot.model import ChannelRef, UserRef

    app = StubApp()
    bot = DiscordBot(settings_for(fake, tmp_path), app=app)
    await bot.start(ready_timeout=10)
    try:
        alice, bob = fake.add_member("alice"), fake.add_member("bob")
        fake.threadless_channels.add(fake.channel_id)
        guild = str(fake.guild_id)
        users = [UserRef("discord", guild, str(u)) for u in (alice, bob)]
        chat = bot.client.chat
        space = await chat.open_pair_space(
            ChannelRef("discord", guild, str(fake.channel_id)), users, "t"
        )
        assert space.id == f"dms:{alice}-{bob}" and fake.threads() == []
        ref = await chat.send(
            space, OutMessage(text="hi", buttons=(Button("mr:ready:s9", "I'm here"),))
        )
        assert [len(fake.dms_to(u)) for u in (alice, bob)] == [1, 1]
        await chat.add_reactions(ref, ["4️⃣"])
        assert all(fake.reactions[int(fake.dms_to(u)[0]["id"])]["4️⃣"] for u in (alice, bob))
        # a click in a DM still maps to the guild the message came from
        clicked = await fake.answered(await fake.click(alice, fake.dms_to(alice)[0], "mr:ready:s9"))
        (cmd,) = app.service.seen
        assert isinstance(cmd, c.ConfirmReady) and cmd.actor.workspace == guild and clicked.text
        # a reaction on one member's copy reaches the core as the message it knows
        await fake.react(bob, fake.dms_to(bob)[0], "4️⃣")
        await fake.wait_for(lambda: len(app.service.seen) == 2, what="the reaction")
        reaction = app.service.seen[1]
        assert isinstance(reaction, c.ReactionAdded) and reaction.message == ref
        assert reaction.actor.id == str(bob) and reaction.emoji == "4️⃣"
        await chat.close_pair_space(space)  # nothing to archive, and no error
    finally:
        await bot.stop()


def test_the_network_guard_refuses_any_address_but_loopback(loopback_only: list[str]) -> None:
    with pytest.raises(AssertionError, match="only 127.0.0.1"):
        socket.create_connection(("192.0.2.1", 443), timeout=0.1)
    assert loopback_only == ["192.0.2.1"]
    loopback_only.clear()  # refused, never connected: the fixture's own check need not fail


async def test_oversized_content_is_cut_to_what_discord_accepts(
    fake: FakeDiscord, tmp_path
) -> None:
    from bot.model import ChannelRef

    bot = DiscordBot(settings_for(fake, tmp_path), app=StubApp())
    await bot.start(ready_timeout=10)
    try:
        here = ChannelRef("discord", str(fake.guild_id), str(fake.channel_id))
        guide = OutMessage(
            text="x" * 5000,
            title="t" * 300,
            fields=tuple((f"row {i}" * 50, "y" * 2000) for i in range(30)),
            kind="guide",
        )
        long_text = OutMessage(text="z" * 2500, title="Question")
        for msg in (guide, long_text):
            ref = await bot.client.chat.send(here, msg)
            assert int(ref.id) in fake.messages
        assert all(r.status == 200 for r in fake.requests_to("POST", r"/messages$"))
    finally:
        await bot.stop()


async def test_reopening_finds_the_thread_a_crash_opened_before_it_was_saved(
    fake: FakeDiscord, tmp_path
) -> None:
    from bot.model import ChannelRef, UserRef

    bot = DiscordBot(settings_for(fake, tmp_path), app=StubApp())
    await bot.start(ready_timeout=10)
    try:
        alice, bob = fake.add_member("alice"), fake.add_member("bob")
        guild = str(fake.guild_id)
        users = [UserRef("discord", guild, str(u)) for u in (alice, bob)]
        where = ChannelRef("discord", guild, str(fake.channel_id))
        chat = bot.client.chat
        first = await chat.open_pair_space(where, users, "Mock interview: alice & bob")
        again = await chat.open_pair_space(
            where, users, "Mock interview: alice & bob", reopening=True
        )
        assert again == first and len(fake.threads()) == 1
        assert fake.thread_members[int(first.id)] >= {alice, bob}
        # another pair, or a first opening, gets a thread of its own
        other = await chat.open_pair_space(where, users, "Mock interview: alice & cy")
        assert other != first and len(fake.threads()) == 2
        # an archived thread is a finished session's: reopening opens a new one
        await chat.close_pair_space(first)
        fresh = await chat.open_pair_space(
            where, users, "Mock interview: alice & bob", reopening=True
        )
        assert fresh not in (first, other) and len(fake.threads()) == 3
    finally:
        await bot.stop()
