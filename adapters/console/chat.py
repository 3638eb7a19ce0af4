"""A ChatPort that keeps every message with its audience: for local play, the demo and tests.

Each delivered message is an Entry saying who can see it, so a test (or the demo's
transcript) can ask exactly what one member saw.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bot.localtime import clock, when
from bot.messages import DEADLINE, OutMessage, moments
from bot.model import ChannelRef, MessageRef, UserRef
from bot.ports import Capabilities, Clock, VoiceRoom

PUBLIC = "*"  # audience of a community channel: every member


@dataclass
class Entry:
    number: int
    at: datetime
    where: str  # "#channel", "space-3", "DM", "private"
    audience: frozenset[str] | str  # user ids, or PUBLIC
    msg: OutMessage
    ref: MessageRef
    text: str  # rendered when sent: the countdown as the member saw it then
    reactions: list[str] = field(default_factory=list)

    def visible_to(self, user_id: str) -> bool:
        return self.audience == PUBLIC or user_id in self.audience


class ConsoleChat:
    capabilities = Capabilities(
        private_spaces=True, live_timestamps=False, ephemeral_in_space=True, max_form_fields=5
    )

    def __init__(
        self,
        clock: Clock,
        workspace: str = "demo",
        on_entry: Callable[[Entry], None] | None = None,
        files_dir: Path | None = None,
    ):
        self.clock, self.workspace = clock, workspace
        self.entries: list[Entry] = []
        self.spaces: dict[str, frozenset[str]] = {}
        self.closed: set[str] = set()
        self.on_entry = on_entry
        # attached files (charts, invitations) are written here; the transcript shows the path
        self.files_dir = files_dir or Path(tempfile.gettempdir()) / "mockround-files"
        self.saved: list[Path] = []
        self.groups: dict[str, set[str]] = {}  # organiser roles: group -> member ids

    def render(self, msg: OutMessage) -> str:
        """The message as plain text: {deadline} as a clock time and minutes left, and each
        moment in every reader's zone (the console has no per-reader view)."""
        zones = msg.zones or ("UTC",)

        def local(text: str) -> str:
            return moments(text, lambda at: " / ".join(when(at, z) for z in zones))

        text = local(msg.text)
        if msg.deadline is not None and DEADLINE in text:
            left = max(0, round((msg.deadline - self.clock.now()).total_seconds() / 60))
            span = f"{left} min" if left < 120 else f"{left // 60} h"
            at = " / ".join(f"{clock(msg.deadline, z)} ({z})" for z in zones)
            text = text.replace(DEADLINE, f"{at} (in {span})")
        lines = [f"**{msg.title}**"] if msg.title else []
        lines += [text] if text else []
        lines += [f"  {name}: {local(value)}" for name, value in msg.fields]
        if msg.buttons:
            lines.append("  [" + "] [".join(b.label for b in msg.buttons) + "]")
        lines += [f"  file: {path}" for path in self._save(msg)]
        return "\n".join(lines)

    def _save(self, msg: OutMessage) -> list[Path]:
        paths = []
        for f in msg.files:
            self.files_dir.mkdir(parents=True, exist_ok=True)
            path = self.files_dir / f"{len(self.saved) + 1:03d}-{f.name}"
            path.write_bytes(f.data)
            self.saved.append(path)
            paths.append(path)
        return paths

    def _record(self, where: str, audience, msg: OutMessage, channel: str) -> MessageRef:
        number = len(self.entries) + 1
        ref = MessageRef("console", self.workspace, channel, str(number))
        entry = Entry(
            number,
            self.clock.now(),
            where,
            audience,
            msg,
            ref,
            self.render(msg),
            list(msg.reactions),
        )
        self.entries.append(entry)
        if self.on_entry:
            self.on_entry(entry)
        return ref

    async def send(
        self,
        to: ChannelRef | UserRef,
        msg: OutMessage,
        *,
        key: str | None = None,
        resend: bool = False,  # the console's transcript ends with its process: nothing to find
    ) -> MessageRef:
        if isinstance(to, UserRef):
            return self._record("DM", frozenset({to.id}), msg, f"dm-{to.id}")
        if to.id in self.spaces:
            if to.id in self.closed:
                raise RuntimeError(f"space {to.id} is closed")
            return self._record(to.id, self.spaces[to.id], msg, to.id)
        return self._record(f"#{to.id}", PUBLIC, msg, to.id)

    async def send_private(
        self,
        space: ChannelRef,
        user: UserRef,
        msg: OutMessage,
        *,
        key: str | None = None,
        resend: bool = False,
    ) -> None:
        self._record(f"{space.id} (only you)", frozenset({user.id}), msg, space.id)

    async def edit(self, ref: MessageRef, msg: OutMessage) -> None:
        entry = self.entries[int(ref.id) - 1]
        entry.msg, entry.text = msg, self.render(msg)

    async def add_reactions(self, ref: MessageRef, emojis: Sequence[str]) -> None:
        self.entries[int(ref.id) - 1].reactions.extend(emojis)

    async def open_pair_space(
        self,
        where: ChannelRef | None,
        users: Sequence[UserRef],
        title: str,
        *,
        reopening: bool = False,
    ) -> ChannelRef:
        space_id = f"space-{len(self.spaces) + 1}"
        self.spaces[space_id] = frozenset(u.id for u in users)
        return ChannelRef("console", self.workspace, space_id)

    async def close_pair_space(
        self, space: ChannelRef, *, key: str | None = None, resend: bool = False
    ) -> None:
        self.closed.add(space.id)

    async def open_voice(
        self,
        category: ChannelRef | None,
        users: Sequence[UserRef],
        title: str,
        *,
        reopening: bool = False,
    ) -> VoiceRoom | None:
        return None  # no voice here: the pair gets a meeting link

    async def close_voice(self, channel: ChannelRef) -> None:
        return None

    def capabilities_for(self, platform: str) -> Capabilities:
        return self.capabilities

    async def in_group(self, user: UserRef, group: str) -> bool:
        return user.id in self.groups.get(group, set())

    # --- reading back ---------------------------------------------------------------

    def seen_by(self, user_id: str) -> list[Entry]:
        return [e for e in self.entries if e.visible_to(user_id)]

    def texts_seen_by(self, user_id: str) -> list[str]:
        return [e.text for e in self.seen_by(user_id)]

    def last(self, kind: str, space: str | None = None) -> Entry:
        for e in reversed(self.entries):
            if e.msg.kind == kind and (space is None or e.ref.channel == space):
                return e
        raise LookupError(f"no {kind} message" + (f" in {space}" if space else ""))
