"""One ChatPort over several platforms: each call goes to the adapter of the platform its
refs name, so one core, one scheduler and one database serve Discord and Slack at once.
Every stored row is already scoped by (platform, workspace)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.messages import OutMessage
from bot.model import ChannelRef, MessageRef, UserRef
from bot.ports import Capabilities, ChatPort, VoiceRoom


class PlatformRouter:
    def __init__(self, ports: dict[str, ChatPort] | None = None) -> None:
        self.ports: dict[str, ChatPort] = dict(ports or {})

    def add(self, platform: str, port: ChatPort) -> None:
        self.ports[platform] = port

    def _to(self, platform: str) -> ChatPort:
        try:
            return self.ports[platform]
        except KeyError:
            raise LookupError(f"this process does not serve {platform}") from None

    @property
    def capabilities(self) -> Capabilities:
        # only for code that cannot name a platform; the core asks capabilities_for
        return next(iter(self.ports.values())).capabilities

    def capabilities_for(self, platform: str) -> Capabilities:
        return self._to(platform).capabilities_for(platform)

    async def send(self, to, msg: OutMessage, *, key=None, resend=False) -> MessageRef:
        return await self._to(to.platform).send(to, msg, key=key, resend=resend)

    async def send_private(self, space, user, msg, *, key=None, resend=False) -> None:
        await self._to(space.platform).send_private(space, user, msg, key=key, resend=resend)

    async def edit(self, ref: MessageRef, msg: OutMessage) -> None:
        await self._to(ref.platform).edit(ref, msg)

    async def add_reactions(self, ref: MessageRef, emojis: Sequence[str]) -> None:
        await self._to(ref.platform).add_reactions(ref, emojis)

    async def open_pair_space(self, where, users: Sequence[UserRef], title, *, reopening=False):
        port = self._to(users[0].platform)
        return await port.open_pair_space(where, users, title, reopening=reopening)

    async def close_pair_space(self, space: ChannelRef, *, key=None, resend=False) -> None:
        await self._to(space.platform).close_pair_space(space, key=key, resend=resend)

    async def open_voice(
        self, category, users: Sequence[UserRef], title: str, *, reopening=False
    ) -> VoiceRoom | None:
        port = self._to(users[0].platform)
        return await port.open_voice(category, users, title, reopening=reopening)

    async def close_voice(self, channel: ChannelRef) -> None:
        await self._to(channel.platform).close_voice(channel)

    async def in_group(self, user: UserRef, group: str) -> bool:
        return await self._to(user.platform).in_group(user, group)
