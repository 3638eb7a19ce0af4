"""Reaching the platform at start-up: a network that is not up yet (DNS, a refused
connection) is tried again with growing waits; if it stays down, one line says so."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

import aiohttp

from bot.app.config import SettingsError

log = logging.getLogger(__name__)

T = TypeVar("T")

# 1 + 2 + 4 + 8 + 16 s: a container whose network comes up a little after it has time
WAITS = (1.0, 2.0, 4.0, 8.0, 16.0)


async def reach(
    connect: Callable[[], Awaitable[T]],
    platform: str,
    setting: str,
    *,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> T:
    """``connect()``, tried again after each of ``WAITS`` while the network fails."""
    for attempt, wait in enumerate((*WAITS, None), start=1):
        try:
            return await connect()
        except (aiohttp.ClientConnectionError, OSError) as exc:
            reason = _reason(exc)
            if wait is None:
                raise SettingsError(
                    f"cannot reach {platform} after {attempt} tries ({reason}): check this "
                    f"machine's network and DNS, or {setting} if it is set"
                ) from None
            log.warning("cannot reach %s (%s); trying again in %.0f s", platform, reason, wait)
            await sleep(wait)
    raise AssertionError("unreachable")  # the loop returns or raises


def _reason(exc: BaseException) -> str:
    inner = getattr(exc, "os_error", None) or exc.__cause__ or exc
    text = getattr(inner, "strerror", None) or str(inner) or type(inner).__name__
    return text.splitlines()[0][:120]
