"""Stopping cleanly on SIGTERM (systemd, docker stop) as on Ctrl-C."""

from __future__ import annotations

import asyncio
import contextlib
import signal


@contextlib.contextmanager
def stop_on_sigterm(stop: asyncio.Event):
    """systemd and docker stop with SIGTERM: finish cleanly (close the socket and the database)."""
    loop = asyncio.get_running_loop()
    try:
        loop.add_signal_handler(signal.SIGTERM, stop.set)
    except (NotImplementedError, RuntimeError, ValueError):  # Windows, or not the main thread
        yield
        return
    try:
        yield
    finally:
        loop.remove_signal_handler(signal.SIGTERM)
