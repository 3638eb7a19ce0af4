"""The ports the core talks through. Adapters and storage backends satisfy them; tests inject fakes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.messages import OutMessage
from bot.model import ChannelRef, MessageRef, UserRef


@dataclass(frozen=True, slots=True)
class Capabilities:
    private_spaces: bool = True  # can open a space only the pair sees (thread, group DM)
    live_timestamps: bool = False  # renders {deadline} as a live countdown (no edits needed)
    ephemeral_in_space: bool = False  # can show a message to one member inside the pair space
    max_form_fields: int = 5
    huddles: bool = False  # members can talk in the space itself (a Slack huddle)


@dataclass(frozen=True, slots=True)
class VoiceRoom:
    """A private voice channel for one pair, and the link that opens it."""

    channel: ChannelRef
    link: str


class ChatPort(Protocol):
    capabilities: Capabilities

    def capabilities_for(self, platform: str) -> Capabilities:
        """What the platform a community lives on can do (one process may serve several)."""
        ...

    async def send(
        self,
        to: ChannelRef | UserRef,
        msg: OutMessage,
        *,
        key: str | None = None,
        resend: bool = False,
    ) -> MessageRef:
        """Post ``msg``. ``key`` names this delivery; ``resend`` says it was tried before (a
        crash may have cut off the answer), so the platform may hold it already. The adapter
        then returns the first copy instead of posting a second: Discord by its enforced
        nonce, Slack by the key in the message's metadata."""
        ...

    async def send_private(
        self,
        space: ChannelRef,
        user: UserRef,
        msg: OutMessage,
        *,
        key: str | None = None,
        resend: bool = False,
    ) -> None:
        """Show ``msg`` to ``user`` only: an ephemeral message in the space or a DM
        (``key`` and ``resend`` as for ``send``; an ephemeral message leaves nothing to find).

        If the platform refuses (closed DMs), the adapter falls back to a mention in
        ``space`` telling the member where to look; it never fails silently.
        """
        ...

    async def edit(self, ref: MessageRef, msg: OutMessage) -> None: ...

    async def add_reactions(self, ref: MessageRef, emojis: Sequence[str]) -> None: ...

    async def open_pair_space(
        self,
        where: ChannelRef | None,
        users: Sequence[UserRef],
        title: str,
        *,
        reopening: bool = False,
    ) -> ChannelRef:
        """A space only ``users`` (and the bot) see. ``reopening``: a crash may have opened it
        before it was saved, so the adapter looks for that one before opening another."""
        ...

    async def close_pair_space(
        self, space: ChannelRef, *, key: str | None = None, resend: bool = False
    ) -> None:
        """Archive the space, or where that cannot be done, say in it that it is over
        (``key`` and ``resend`` as for ``send``)."""
        ...

    async def open_voice(
        self,
        category: ChannelRef | None,
        users: Sequence[UserRef],
        title: str,
        *,
        reopening: bool = False,
    ) -> VoiceRoom | None:
        """A voice channel only ``users`` (and the bot) can join, in ``category`` if given.
        None when the platform has none or the bot may not create one (then the community's
        meeting link, or the space itself, is where the pair talks)."""
        ...

    async def close_voice(self, channel: ChannelRef) -> None:
        """Remove a pair's voice channel once its session is over."""
        ...

    async def in_group(self, user: UserRef, group: str) -> bool:
        """Whether ``user`` has the role (Discord) or is in the user group (Slack) ``group``:
        the community's organisers."""
        ...


class Clock(Protocol):
    def now(self) -> datetime:
        """Aware UTC datetime."""
        ...
