"""Fixtures for the Slack adapter: the fake Slack, the real bolt app and core, and a loopback guard."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# the repository root, so `bot`, `adapters` and `tests.fakes` import without installing
ROOT = str(Path(__file__).resolve().parents[3])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from tests.adapters.slack import guard  # noqa: E402
from tests.adapters.slack.harness import Harness  # noqa: E402
from tests.fakes.slack_fake import FakeSlack  # noqa: E402


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch):
    """Every outgoing connection in these tests must stay on this machine."""
    guard.refused.clear()
    guard.install(monkeypatch)
    yield
    assert not guard.refused, f"tried to leave 127.0.0.1: {guard.refused}"


async def practice_workspace() -> FakeSlack:
    """The fake Slack, started, with four members, an admin and the practice channel."""
    slack = FakeSlack()
    await slack.start()
    for uid, name in (("UADA", "Ada"), ("UBOB", "Bob"), ("UCY", "Cy"), ("UDEE", "Dee")):
        slack.add_user(uid, name)
    slack.add_user("UADMIN", "Admin", admin=True)
    slack.add_channel("CPRACTICE", set(slack.users))
    return slack


@pytest.fixture
async def fake() -> FakeSlack:
    slack = await practice_workspace()
    yield slack
    await slack.close()


@pytest.fixture
async def http(fake: FakeSlack, tmp_path: Path) -> Harness:
    h = Harness(fake, tmp_path / "mockround.db")
    await h.start("http")
    yield h
    await h.stop()


@pytest.fixture
async def socket_mode(fake: FakeSlack, tmp_path: Path) -> Harness:
    h = Harness(fake, tmp_path / "mockround.db")
    await h.start("socket")
    yield h
    await h.stop()
