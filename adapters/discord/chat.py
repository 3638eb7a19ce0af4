"""The core's ChatPort on Discord: messages, DMs, private threads, reactions.

A pair space is a private thread (type 12) in the configured text channel. Where a
thread cannot be made (no channel configured, a channel that is not a text channel,
or missing permissions) the space is the pair's DMs: its id is ``dms:<user>-<user>``
and everything sent there goes to each member's DM.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence

import discord

from adapters.discord import voice
from adapters.discord.render import mention, message_kwargs, send_kwargs
from bot.messages import OutMessage
from bot.model import ChannelRef, MessageRef, UserRef
from bot.ports import Capabilities, VoiceRoom

log = logging.getLogger(__name__)

PLATFORM = "discord"
DM_SPACE = "dms:"
DM_CLOSED = 50007  # Discord's "Cannot send messages to this user"
THREAD_NAME_MAX = 100


class DiscordChat:
    capabilities = Capabilities(
        private_spaces=True, live_timestamps=True, ephemeral_in_space=False, max_form_fields=5
    )

    def __init__(self, client: discord.Client) -> None:
        self.client = client
        # DM channel id -> guild id, so a click or reaction in a DM maps back to its community
        self.dm_workspace: dict[int, str] = {}
        # one DM copy of a message sent to a DM space -> the ref the core knows for all copies
        self.fanout: dict[int, MessageRef] = {}
        # each member's role ids, as sent with their latest interaction: organisers by role
        self.roles: dict[UserRef, frozenset[str]] = {}

    # --- sending -------------------------------------------------------------

    async def send(
        self,
        to: ChannelRef | UserRef,
        msg: OutMessage,
        *,
        key: str | None = None,
        resend: bool = False,  # the nonce makes every send safe to repeat
    ) -> MessageRef:
        # a nonce makes Discord return the first message for a second send of the same
        # delivery (discord.py sets enforce_nonce with it): a crash after the post and
        # before it was marked sent does not post it twice
        nonce = _nonce(key) if key else None
        if isinstance(to, UserRef):
            ref = await self._send_dm(to, msg, nonce)
        elif to.id.startswith(DM_SPACE):
            refs = [await self._send_dm(user, msg, nonce) for user in self._dm_members(to)]
            joined = "-".join(f"{r.channel}/{r.id}" for r in refs)
            ref = MessageRef(PLATFORM, to.workspace, to.id, joined)
            self.fanout.update((int(r.id), ref) for r in refs)
        else:
            sent = await self.client.get_partial_messageable(int(to.id)).send(
                **send_kwargs(msg), nonce=nonce
            )
            ref = MessageRef(PLATFORM, to.workspace, to.id, str(sent.id))
        if msg.reactions:  # the bot reacts first, so members vote with one click
            await self.add_reactions(ref, msg.reactions)
        return ref

    async def send_private(
        self,
        space: ChannelRef,
        user: UserRef,
        msg: OutMessage,
        *,
        key: str | None = None,
        resend: bool = False,
    ) -> None:
        try:
            await self._send_dm(user, msg, _nonce(key) if key else None)
        except discord.Forbidden as exc:
            if exc.code != DM_CLOSED or space.id.startswith(DM_SPACE):
                raise
            # never silent: the member learns why the private part is missing and how to fix it
            note = (
                f"{mention(user.id)} I could not send you a direct message with your private notes "
                "(your DMs are closed). Allow direct messages from server members "
                "(server menu → Privacy Settings) so the next ones reach you."
            )
            await self.send(space, OutMessage(text=note, kind="error"))

    async def _send_dm(
        self, user: UserRef, msg: OutMessage, nonce: str | None = None
    ) -> MessageRef:
        channel = await self.client.create_dm(discord.Object(int(user.id)))
        self.dm_workspace[channel.id] = user.workspace
        sent = await channel.send(**send_kwargs(msg), nonce=nonce)
        return MessageRef(PLATFORM, user.workspace, str(channel.id), str(sent.id))

    def workspace_of_dm(self, channel_id: int) -> str | None:
        """The guild a DM belongs to: known for DMs sent this run, else the only guild."""
        found = self.dm_workspace.get(channel_id)
        if found is None and len(self.client.guilds) == 1:
            found = str(self.client.guilds[0].id)
        return found

    def _partials(self, ref: MessageRef) -> list[discord.PartialMessage]:
        if ref.channel.startswith(DM_SPACE):
            pairs = [part.split("/") for part in ref.id.split("-")]
        else:
            pairs = [[ref.channel, ref.id]]
        return [
            self.client.get_partial_messageable(int(c)).get_partial_message(int(m))
            for c, m in pairs
        ]

    async def edit(self, ref: MessageRef, msg: OutMessage) -> None:
        kwargs = message_kwargs(msg)
        for part in self._partials(ref):
            await part.edit(**kwargs)

    async def add_reactions(self, ref: MessageRef, emojis: Sequence[str]) -> None:
        for part in self._partials(ref):
            for emoji in emojis:
                await part.add_reaction(emoji)

    # --- pair spaces ---------------------------------------------------------

    async def open_pair_space(
        self,
        where: ChannelRef | None,
        users: Sequence[UserRef],
        title: str,
        *,
        reopening: bool = False,
    ) -> ChannelRef:
        workspace = where.workspace if where else users[0].workspace
        parent = await self._text_channel(where) if where else None
        if parent is not None:
            name = title[:THREAD_NAME_MAX] or "mock interview"
            try:
                found = await self._open_thread(parent, name) if reopening else None
                thread = found or await parent.create_thread(
                    name=name,
                    type=discord.ChannelType.private_thread,
                    invitable=False,
                    auto_archive_duration=10080,
                )
                for user in users:
                    await thread.add_user(discord.Object(int(user.id)))
                return ChannelRef(PLATFORM, workspace, str(thread.id))
            except discord.Forbidden as exc:
                log.warning("cannot open a private thread in %s (%s); using DMs", where, exc)
        return ChannelRef(PLATFORM, workspace, DM_SPACE + "-".join(u.id for u in users))

    async def _open_thread(self, parent: discord.TextChannel, name: str) -> discord.Thread | None:
        """The bot's open thread ``name`` under ``parent``: one a crash opened before it was
        saved. (A member is in one live session at a time, so an open thread of the same
        pair is this session's.)"""
        me = self.client.user.id if self.client.user else None
        for thread in await parent.guild.active_threads():
            if thread.parent_id == parent.id and thread.name == name and thread.owner_id == me:
                return thread
        return None

    async def open_voice(
        self,
        category: ChannelRef | None,
        users: Sequence[UserRef],
        title: str,
        *,
        reopening: bool = False,
    ) -> VoiceRoom | None:
        return await voice.open_voice(self.client, category, users, title, reopening=reopening)

    async def close_voice(self, channel: ChannelRef) -> None:
        await voice.close_voice(self.client, channel)

    def capabilities_for(self, platform: str) -> Capabilities:
        return self.capabilities

    async def in_group(self, user: UserRef, group: str) -> bool:
        """The roles Discord sent with the member's latest interaction."""
        return group in self.roles.get(user, frozenset())

    async def close_pair_space(
        self, space: ChannelRef, *, key: str | None = None, resend: bool = False
    ) -> None:
        if space.id.startswith(DM_SPACE):
            return  # DMs stay: there is nothing to archive
        try:
            channel = self.client.get_channel(int(space.id)) or await self.client.fetch_channel(
                int(space.id)
            )
            if isinstance(channel, discord.Thread):
                await channel.edit(archived=True, locked=True)
        except discord.NotFound:
            log.info("pair space %s is already gone", space.id)

    async def _text_channel(self, where: ChannelRef) -> discord.TextChannel | None:
        channel = self.client.get_channel(int(where.id))
        if channel is None:
            try:
                channel = await self.client.fetch_channel(int(where.id))
            except (discord.NotFound, discord.Forbidden):
                return None
        return channel if isinstance(channel, discord.TextChannel) else None

    def _dm_members(self, space: ChannelRef) -> list[UserRef]:
        ids = space.id.removeprefix(DM_SPACE).split("-")
        return [UserRef(PLATFORM, space.workspace, uid) for uid in ids if uid]


def _nonce(key: str) -> str:
    """Discord takes a nonce of at most 25 characters: a digest of the delivery's key."""
    return hashlib.sha256(key.encode()).hexdigest()[:25]
