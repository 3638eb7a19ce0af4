"""What the process loaded to start is set apart from Python's full collections: each one
scanned it all (150,000 objects, a 100-ms stop of the loop, several a minute while a big
round opened)."""

from __future__ import annotations

import gc
import types

from bot import cli
from bot.app import bootstrap


def test_settling_sets_every_loaded_object_apart():
    try:
        bootstrap.settle_startup()
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()  # the test process goes on collecting as before


def test_run_settles_before_the_bot_starts(monkeypatch):
    events = []

    async def run(settings):
        events.append("bot started")

    monkeypatch.setattr(bootstrap, "settle_startup", lambda: events.append("settled"))
    monkeypatch.setattr(cli.importlib, "import_module", lambda name: types.SimpleNamespace(run=run))
    assert cli._run(None, object(), ["discord"]) == 0
    assert events == ["settled", "bot started"]
