"""Progress charts sent after the numbers they illustrate.

Drawing a chart takes about 100 ms in the worker pool, several times what the rest of
``/mock stats`` costs, and members asking at once would queue behind each other's
charts. So the numbers are answered at once and the chart follows privately once drawn
(a direct message, as Slack always did: a private answer there cannot carry files).
A member who asks again before theirs is sent waits for the one on its way; past
``PENDING`` charts in the queue the answer says to ask again instead of letting the
queue grow while the bot is busy.
"""

from __future__ import annotations

import asyncio
import logging

from bot.messages import Attachment, OutMessage
from bot.model import ChannelRef, UserRef
from bot.ratings import charts
from bot.ratings.report import Draw

log = logging.getLogger(__name__)

PENDING = 32  # charts drawn or waiting at once; a busy bot answers the numbers alone
ON_ITS_WAY = "Your progress chart follows in a private message."
TOO_BUSY = "The chart is not drawn while the bot is this busy: ask again in a minute."


class ChartFollowUps:
    def __init__(self, chat, draw: Draw) -> None:
        self.chat, self.draw = chat, draw
        self._pending: dict[tuple[UserRef, str], asyncio.Task] = {}

    def progress(self, to: UserRef, space: ChannelRef | None, title: str, data: tuple) -> str:
        """Queue ``to``'s chart of ``data`` (``charts.progress``'s arguments); the line that
        tells them what to expect."""
        key = (to, title)
        if key in self._pending:
            return ON_ITS_WAY  # the chart on its way shows the same member
        if len(self._pending) >= PENDING:
            return TOO_BUSY
        task = asyncio.create_task(self._send(to, space, title, data))
        self._pending[key] = task
        task.add_done_callback(lambda _: self._pending.pop(key, None))
        return ON_ITS_WAY

    async def _send(self, to: UserRef, space: ChannelRef | None, title: str, data) -> None:
        try:
            png = await self.draw(charts.progress, *data)
            msg = OutMessage(
                text="", kind="stats", title=title, files=(Attachment("progress.png", png),)
            )
            if space is None:
                await self.chat.send(to, msg)
            else:
                await self.chat.send_private(space, to, msg)
        except Exception:
            log.exception("the progress chart for %s could not be sent", to.id)

    async def settle(self) -> None:
        """Wait until every queued chart is sent (tests, the demo, stopping)."""
        while self._pending:
            await asyncio.gather(*self._pending.values(), return_exceptions=True)
