"""The translation itself, against a stub core: what Discord sends becomes the right command,
and what the core answers reaches the member the right way."""

from __future__ import annotations

from dataclasses import dataclass, field

from adapters.discord.runner import DiscordBot
from bot import commands as c
from bot.config import Settings
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

    async def start(self) -> None:
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
