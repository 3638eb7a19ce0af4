"""Inbound: interactions and reactions -> core commands -> answers on Discord.

Every interaction is answered within Discord's 3 seconds: the core gets a short head
start and, if it is not done by then, the interaction is deferred and the answer
follows. A form can only open as the first answer, so a slow form asks for a retry.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, Protocol

import discord

from adapters.discord.chat import PLATFORM, DiscordChat
from adapters.discord.render import FormModal, form_values, reply_kwargs, send_kwargs
from adapters.stopping import Answering
from bot import actions
from bot.commands import BadInput, Command, ReactionAdded
from bot.messages import Reply
from bot.model import ChannelRef, MessageRef, UserRef

log = logging.getLogger(__name__)

HEAD_START = 1.5  # seconds the core may take before the interaction is deferred
MODAL_SUBMIT = discord.InteractionType.modal_submit


class Service(Protocol):
    async def handle(self, cmd: Command) -> Reply: ...


def context(interaction: discord.Interaction, guild: str) -> dict[str, Any]:
    """Who acted, where, and whether they may run admin commands (Manage Server)."""
    perms = interaction.permissions
    return {
        "actor": UserRef(PLATFORM, guild, str(interaction.user.id)),
        "actor_name": interaction.user.display_name,
        "is_admin": perms.administrator or perms.manage_guild,
        "channel": ChannelRef(PLATFORM, guild, str(interaction.channel_id)),
        "event_id": str(interaction.id),
    }


class Answers:
    def __init__(self, service: Service, chat: DiscordChat) -> None:
        self.service = service
        self.chat = chat
        self.head_start = HEAD_START
        self.answering = Answering()  # a stop waits for these before closing the connection

    async def command(
        self,
        interaction: discord.Interaction,
        build: Callable[..., Command],
        *,
        opens_form: bool = False,
        **values: Any,
    ) -> None:
        """A slash command: ``build(**context, **values)`` makes the core command."""
        if interaction.guild_id is None:
            await interaction.response.send_message("Use /mock inside a server.", ephemeral=True)
            return
        try:
            cmd = build(**context(interaction, str(interaction.guild_id)), **values)
        except BadInput as exc:
            await self._say(interaction, Reply.fail(str(exc)))
            return
        await self.run(interaction, cmd, opens_form=opens_form)

    def _workspace(self, interaction: discord.Interaction) -> str | None:
        """The guild, or for a click in a DM the guild whose message it was (known this run)."""
        if interaction.guild_id is not None:
            return str(interaction.guild_id)
        return self.chat.workspace_of_dm(interaction.channel_id or 0)

    async def button(self, interaction: discord.Interaction, action_id: str) -> None:
        workspace = self._workspace(interaction)
        if workspace is None:
            await self._say(
                interaction, Reply.fail("This button has expired: use /mock in the server.")
            )
            return
        try:
            cmd = actions.decode(action_id, **context(interaction, workspace))
        except BadInput as exc:
            await self._say(interaction, Reply.fail(str(exc)))
            return
        await self.run(interaction, cmd, opens_form=actions.opens_form(action_id))

    async def form(self, interaction: discord.Interaction) -> None:
        """A rating form submitted, read from the raw data so it works across restarts."""
        data: dict[str, Any] = interaction.data or {}  # type: ignore[assignment]
        workspace = self._workspace(interaction)
        if workspace is None:
            await self._say(
                interaction, Reply.fail("This form has expired: use /mock rate in the server.")
            )
            return
        values, comment = form_values(list(data.get("components", [])))
        try:
            cmd = actions.submission(
                str(data.get("custom_id", "")), values, comment, **context(interaction, workspace)
            )
        except BadInput as exc:
            await self._say(interaction, Reply.fail(str(exc)))
            return
        await self.run(interaction, cmd)

    async def run(
        self, interaction: discord.Interaction, cmd: Command, *, opens_form: bool = False
    ) -> None:
        async with self.answering.one():
            await self._run(interaction, cmd, opens_form)

    async def _run(self, interaction: discord.Interaction, cmd: Command, opens_form: bool) -> None:
        roles = getattr(interaction.user, "roles", None)  # a Member in a server, a User in DMs
        if roles is not None:  # for the organiser-role check, with no extra request
            self.chat.roles[cmd.actor] = frozenset(str(r.id) for r in roles)
        task = asyncio.ensure_future(self.service.handle(cmd))
        done, _ = await asyncio.wait({task}, timeout=self.head_start)
        if not done:
            await interaction.response.defer(ephemeral=True, thinking=True)
        reply = await task
        if reply.form is not None and opens_form and not interaction.response.is_done():
            await interaction.response.send_modal(FormModal(reply.form))
            return
        if reply.form is not None:
            reply = Reply(text="That took too long to open the form: press Rate again.", error=True)
        await self._say(interaction, reply)

    async def _say(self, interaction: discord.Interaction, reply: Reply) -> None:
        kwargs = reply_kwargs(reply)
        private = reply.ephemeral or reply.error
        if not interaction.response.is_done():
            await interaction.response.send_message(**kwargs, ephemeral=private)
            return
        if private or interaction.channel is None:
            await interaction.followup.send(**kwargs, ephemeral=True)
            return
        # the deferral was private; a public answer goes to the channel itself
        await interaction.followup.send("Posted in the channel.", ephemeral=True)
        await interaction.channel.send(**kwargs)  # type: ignore[union-attr]

    # --- reactions -----------------------------------------------------------

    async def reaction(self, payload: discord.RawReactionActionEvent) -> None:
        if payload.guild_id is not None:
            workspace = str(payload.guild_id)
        else:
            found = self.chat.workspace_of_dm(payload.channel_id)
            if found is None:
                return  # a DM whose community is unknown: nobody to credit
            workspace = found
        member = payload.member
        cmd = ReactionAdded(
            actor=UserRef(PLATFORM, workspace, str(payload.user_id)),
            actor_name=member.display_name if member else "",
            is_admin=bool(member and member.guild_permissions.manage_guild),
            channel=ChannelRef(PLATFORM, workspace, str(payload.channel_id)),
            # no delivery id: Discord gives a reaction none, and message:user:emoji would
            # swallow a score changed back (3 -> 4 -> 3); saving a score twice is harmless
            message=self.chat.fanout.get(payload.message_id)
            or MessageRef(PLATFORM, workspace, str(payload.channel_id), str(payload.message_id)),
            emoji=str(payload.emoji),
        )
        async with self.answering.one():
            await self._react(cmd, payload)

    async def _react(self, cmd: ReactionAdded, payload: discord.RawReactionActionEvent) -> None:
        reply = await self.service.handle(cmd)
        # a reaction has no private answer slot: only a public message is shown
        if reply.message is not None and not reply.ephemeral and not reply.error:
            channel = self.chat.client.get_partial_messageable(payload.channel_id)
            await channel.send(**send_kwargs(reply.message))
        elif reply.error:
            log.info("reaction refused for %s: %s", payload.user_id, reply.text)
