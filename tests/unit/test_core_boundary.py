"""The core never loads a platform library or an adapter, checked in a fresh interpreter."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import bot

FORBIDDEN = ("discord", "slack_bolt", "slack_sdk", "adapters")


def test_importing_every_core_module_loads_no_platform_library():
    names = sorted(m.name for m in pkgutil.walk_packages(bot.__path__, "bot."))
    assert "bot.app.service" in names and "bot.storage.sql" in names and len(names) > 20
    script = (
        "import importlib, sys\n"
        f"for name in {names!r}: importlib.import_module(name)\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})\n"
        "print('LOADED:' + ','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=Path(bot.__file__).parent.parent,
        check=True,
    ).stdout
    assert out.strip() == "LOADED:", out
