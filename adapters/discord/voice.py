"""A private voice channel per pair: only its members and the bot can see and join it.

Opened in the category the community chose (``/mock config voice=<category>``) when the
bot has Manage Channels; without it the core falls back to a meeting link. Removed when
the session ends.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import discord

from bot.model import ChannelRef, UserRef
from bot.ports import VoiceRoom

log = logging.getLogger(__name__)
NAME_MAX = 100
HIDDEN = discord.PermissionOverwrite(view_channel=False, connect=False)
MEMBER = discord.PermissionOverwrite(view_channel=True, connect=True, speak=True, stream=True)
BOT = discord.PermissionOverwrite(view_channel=True, connect=True, manage_channels=True)


async def open_voice(
    client: discord.Client,
    category: ChannelRef | None,
    users: Sequence[UserRef],
    title: str,
    *,
    reopening: bool,
) -> VoiceRoom | None:
    guild = client.get_guild(int(users[0].workspace))
    if guild is None or guild.me is None or not guild.me.guild_permissions.manage_channels:
        return None  # no right to make channels: the pair gets a meeting link
    parent = guild.get_channel(int(category.id)) if category else None
    if not isinstance(parent, discord.CategoryChannel):
        parent = None
    name = title[:NAME_MAX] or "mock interview"
    found = _existing(guild, parent, name) if reopening else None
    try:
        channel = found or await guild.create_voice_channel(
            name,
            category=parent,
            overwrites={
                guild.default_role: HIDDEN,
                guild.me: BOT,
                **{discord.Object(int(u.id)): MEMBER for u in users},
            },
            reason="mockround: a private voice channel for one pair's mock interview",
        )
    except discord.Forbidden as exc:
        log.warning("cannot open a voice channel in %s (%s): a meeting link instead", guild.id, exc)
        return None
    ref = ChannelRef(users[0].platform, users[0].workspace, str(channel.id))
    return VoiceRoom(ref, f"https://discord.com/channels/{guild.id}/{channel.id}")


def _existing(guild: discord.Guild, parent, name: str) -> discord.VoiceChannel | None:
    """One a crash opened before the session saved it: same name, same category."""
    for channel in guild.voice_channels:
        if channel.name == name and channel.category == parent:
            return channel
    return None


async def close_voice(client: discord.Client, channel: ChannelRef) -> None:
    try:
        found = client.get_channel(int(channel.id)) or await client.fetch_channel(int(channel.id))
        await found.delete(reason="mockround: the pair's session is over")
    except discord.NotFound:
        log.info("voice channel %s is already gone", channel.id)
