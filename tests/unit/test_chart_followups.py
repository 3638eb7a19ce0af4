"""Progress charts follow the numbers: one per member on its way, a bounded queue, and a
failed drawing that leaves the member free to ask again."""

from __future__ import annotations

import asyncio

from bot.app.followups import ON_ITS_WAY, PENDING, TOO_BUSY, ChartFollowUps
from bot.model import ChannelRef, UserRef

SPACE = ChannelRef("console", "c", "practice")


def member(k: int) -> UserRef:
    return UserRef("console", "c", f"m{k}")


class Sent:
    def __init__(self) -> None:
        self.private: list[tuple[ChannelRef, UserRef, object]] = []
        self.direct: list[tuple[UserRef, object]] = []

    async def send_private(self, space, user, msg, **_) -> None:
        self.private.append((space, user, msg))

    async def send(self, to, msg, **_) -> None:
        self.direct.append((to, msg))


class Drawing:
    """Charts wait until released, as they would while the worker is busy."""

    def __init__(self) -> None:
        self.released = asyncio.Event()
        self.drawn = 0
        self.fail = False

    async def __call__(self, chart, *args) -> bytes:
        await self.released.wait()
        if self.fail:
            raise RuntimeError("the worker died")
        self.drawn += 1
        return b"\x89PNG" + repr(args).encode()


async def test_asking_again_while_the_chart_is_on_its_way_sends_one() -> None:
    chat, draw = Sent(), Drawing()
    charts = ChartFollowUps(chat, draw)
    assert charts.progress(member(1), SPACE, "Progress of M1", ("M1", [], {}, [])) == ON_ITS_WAY
    assert charts.progress(member(1), SPACE, "Progress of M1", ("M1", [], {}, [])) == ON_ITS_WAY
    assert charts.progress(member(1), None, "Progress of M2", ("M2", [], {}, [])) == ON_ITS_WAY
    draw.released.set()
    await charts.settle()
    assert draw.drawn == 2
    ((space, to, msg),) = chat.private
    assert (space, to, msg.title) == (SPACE, member(1), "Progress of M1")
    assert [f.name for f in msg.files] == ["progress.png"]
    ((to, msg),) = chat.direct  # no space known (a DM command): straight to the member
    assert (to, msg.title) == (member(1), "Progress of M2")


async def test_a_full_queue_answers_busy_and_queues_nothing_more() -> None:
    chat, draw = Sent(), Drawing()
    charts = ChartFollowUps(chat, draw)
    lines = [charts.progress(member(k), SPACE, f"P{k}", (f"M{k}", [], {}, [])) for k in range(40)]
    assert lines == [ON_ITS_WAY] * PENDING + [TOO_BUSY] * (40 - PENDING)
    draw.released.set()
    await charts.settle()
    assert len(chat.private) == PENDING
    # once sent, the queue has room again
    assert charts.progress(member(39), SPACE, "P39", ("M39", [], {}, [])) == ON_ITS_WAY
    await charts.settle()
    assert chat.private[-1][1] == member(39)


async def test_a_chart_that_fails_is_logged_and_can_be_asked_for_again(caplog) -> None:
    chat, draw = Sent(), Drawing()
    charts = ChartFollowUps(chat, draw)
    draw.fail = True
    draw.released.set()
    charts.progress(member(1), SPACE, "P1", ("M1", [], {}, []))
    await charts.settle()
    assert not chat.private and "could not be sent" in caplog.text
    draw.fail = False
    charts.progress(member(1), SPACE, "P1", ("M1", [], {}, []))
    await charts.settle()
    assert len(chat.private) == 1
