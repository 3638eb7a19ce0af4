"""The discord.py client: intents, the command tree, persistent buttons, reactions, forms."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import discord
from discord import app_commands

from adapters.discord.answers import MODAL_SUBMIT, Answers, Service
from adapters.discord.chat import DiscordChat
from adapters.discord.render import ActionButton
from adapters.discord.slash import build_group

log = logging.getLogger(__name__)
# the bot opens pair voice channels but never joins one to play audio: the voice libraries'
# absence is no news, and a start-up problem must stay one line
discord.VoiceClient.warn_nacl = False
discord.VoiceClient.warn_dave = False

FORM_PREFIX = "mr:form:"


def intents() -> discord.Intents:
    """Only unprivileged intents: guilds (channels, threads) and reactions in guilds and DMs.
    Slash commands, buttons and forms arrive as interactions and need no intent."""
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.guild_reactions = True
    wanted.dm_reactions = True
    return wanted


class _Mockround:
    """What mockround adds to a discord.py client, one gateway connection or several."""

    def __init__(self, *, guild_ready_timeout: float = 2.0, **sharding: Any) -> None:
        super().__init__(  # type: ignore[call-arg]
            intents=intents(),
            guild_ready_timeout=guild_ready_timeout,
            chunk_guilds_at_startup=False,
            member_cache_flags=discord.MemberCacheFlags.none(),
            **sharding,
        )
        self.tree = app_commands.CommandTree(self)
        self.tree.on_error = self._on_command_error  # type: ignore[method-assign]
        self.chat = DiscordChat(self)
        self.answers: Answers | None = None
        self._tracks: list[str] = []
        # the core's recovery after a reconnection (set by the runner)
        self.on_reconnected: Callable[[], Awaitable[None]] | None = None
        self._was_ready = False

    def attach(self, service: Service, tracks: Sequence[str]) -> None:
        """Hand the client the core to translate for; before ``start``."""
        self.answers = Answers(service, self.chat)
        self._tracks = list(tracks)

    async def setup_hook(self) -> None:
        if self.answers is None:
            raise RuntimeError("attach() the core before starting the client")
        self.add_dynamic_items(ActionButton)
        self.tree.add_command(build_group(self.answers, self._tracks))
        synced = await self.tree.sync()
        log.info("synced %d application command(s)", len(synced))

    async def on_ready(self) -> None:
        # a second READY is a new session after a dropped connection: events were missed
        if self._was_ready and self.on_reconnected is not None:
            await self.on_reconnected()
        self._was_ready = True

    async def on_resumed(self) -> None:
        # a RESUME replays missed events, but posts that failed while away are still queued
        if self.on_reconnected is not None:
            await self.on_reconnected()

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        # the raw event also fires for messages sent before a restart (not in the cache)
        if self.answers is None or (self.user is not None and payload.user_id == self.user.id):
            return
        await self.answers.reaction(payload)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        data = interaction.data or {}
        if interaction.type is MODAL_SUBMIT and str(data.get("custom_id", "")).startswith(
            FORM_PREFIX
        ):
            assert self.answers is not None
            await self.answers.form(interaction)

    async def _on_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        # an option Discord let through but discord.py could not convert: still answer
        log.info("slash command refused: %s", error)
        if not interaction.response.is_done():
            await interaction.response.send_message(f"Not accepted: {error}", ephemeral=True)


class MockroundClient(_Mockround, discord.Client):
    """One gateway connection: every guild's events."""


class ShardedMockroundClient(_Mockround, discord.AutoShardedClient):
    """This replica's gateway shards (MOCKROUND_DISCORD_SHARDS): the events of the guilds
    Discord routes to them; other replicas on the same database hold the other shards."""


def make_client(settings: Any) -> MockroundClient | ShardedMockroundClient:
    timeout = settings.discord_guild_ready_timeout
    if settings.shards is None:
        return MockroundClient(guild_ready_timeout=timeout)
    ids, count = settings.shards
    return ShardedMockroundClient(
        guild_ready_timeout=timeout, shard_ids=list(ids), shard_count=count
    )
