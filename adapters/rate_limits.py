"""Counting the platforms' 429 answers for /metrics. The libraries wait and retry by
themselves; these hooks only see each refusal go by."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler


class CountingRateLimitHandler(AsyncRateLimitErrorRetryHandler):
    """slack_sdk's 429 handler (wait for Retry-After, try again), counting each wait."""

    on_limited: Callable[[], None] | None = None

    async def prepare_for_next_attempt_async(self, **kwargs) -> None:
        if self.on_limited is not None:
            self.on_limited()
        await super().prepare_for_next_attempt_async(**kwargs)


class DiscordRateLimitCounter(logging.Handler):
    """discord.py waits out a 429 itself and says so in one log line: count those lines."""

    def __init__(self, on_limited: Callable[[], None]) -> None:
        super().__init__(level=logging.WARNING)
        self.on_limited = on_limited

    def emit(self, record: logging.LogRecord) -> None:
        if "responded with 429" in str(record.msg):
            self.on_limited()


def count_discord_limits(on_limited: Callable[[], None]) -> DiscordRateLimitCounter:
    logger = logging.getLogger("discord.http")
    for old in [h for h in logger.handlers if isinstance(h, DiscordRateLimitCounter)]:
        logger.removeHandler(old)  # a restarted bot in the same process counts once
    counter = DiscordRateLimitCounter(on_limited)
    logger.addHandler(counter)
    return counter
