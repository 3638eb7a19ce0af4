"""The real `mockround run slack`, in HTTP mode and in Socket Mode, against the fake Slack,
killed at ten points of a round (tests/adapters/kill_sweep.py), then stopped with SIGTERM."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.model import UserRef
from bot.storage.sql import SqlStore
from tests.adapters.bot_process import BotProcess, eventually, free_port
from tests.adapters.kill_sweep import Sweep
from tests.adapters.slack.harness import SECRET
from tests.fakes.holds import Hold
from tests.fakes.slack_fake import FakeSlack
from tests.fakes.slack_fake_sender import SlackSender

MEMBERS = ("UADA", "UBOB", "UCY", "UDEE")
EMOJI = {4: "four"}


class SlackDriver:
    def __init__(self, fake: FakeSlack, db: Path, mode: str) -> None:
        port = free_port()
        self.fake, self.community = fake, f"slack:{fake.team}"
        url = f"sqlite+aiosqlite:///{db}"
        env = {
            "SLACK_BOT_TOKEN": fake.bot_token,
            "SLACK_SIGNING_SECRET": SECRET,
            "MOCKROUND_SLACK_API_URL": fake.api_url,
            "MOCKROUND_SLACK_MODE": mode,
            "MOCKROUND_SLACK_HOST": "127.0.0.1",
            "MOCKROUND_SLACK_PORT": str(port),
            "MOCKROUND_DATABASE_URL": url,
        }
        if mode == "socket":
            env["SLACK_APP_TOKEN"] = fake.app_token
        ready = "serving Slack events" if mode == "http" else "in Socket Mode"
        self.bot = BotProcess("slack", env, ready)
        self.store = SqlStore(url)  # the test reads what the process saved
        http = f"http://127.0.0.1:{port}/slack/events" if mode == "http" else None
        self.send = SlackSender(fake, url=http, signing_secret=SECRET)

    async def mock(self, user: str, text: str) -> str:
        payload = self.send.slash(user, text)
        assert (await self.send.command(payload)).status == 200
        answers = await eventually(
            lambda: self.fake.responses(payload["response_url"]), f"an answer to /mock {text}"
        )
        return "\n".join(a.get("text", "") for a in answers)

    async def join_all(self) -> None:
        for uid in MEMBERS:
            assert "behavioral" in await self.mock(uid, "join track=behavioral tz=Asia/Tokyo")

    async def start_round(self) -> None:
        payload = self.send.slash("UADMIN", "round start")
        assert (await self.send.command(payload)).status == 200

    def hold_space_opening(self) -> Hold:
        return self.fake.holds.add(
            lambda method, a: method == "conversations.open" and "," in str(a.get("users"))
        )

    def hold_post(self, space: str) -> Hold:
        return self.fake.holds.add(
            lambda method, a: method == "chat.postMessage" and a.get("channel") == space
        )

    def hold_dm(self) -> Hold:
        return self.fake.holds.add(
            lambda method, a: method == "chat.postMessage" and str(a.get("channel")).startswith("D")
        )

    async def press(self, member: UserRef, action: str, space: str) -> None:
        ts, action_id = await eventually(
            lambda: next(
                (b for b in reversed(self.fake.buttons(space)) if b[1].startswith(action)), None
            ),
            f"a {action} button",
        )
        payload = self.send.click(member.id, action_id, channel=space, message_ts=ts)
        assert (await self.send.interaction(payload)).status == 200

    async def quick_score(self, member: UserRef, space: str, turn: int, score: int) -> None:
        ts, _ = next(b for b in reversed(self.fake.buttons(space)) if b[1].startswith("mr:rate:"))
        event = self.send.reaction(member.id, EMOJI[score], channel=space, ts=ts)
        assert (await self.send.event(event)).status == 200

    def conversations(self) -> dict[str, list[str]]:
        return {cid: self.fake.texts(cid) for cid in self.fake.conversations}

    def spaces(self) -> int:
        return len(self.fake.group_dms())

    def closed(self, space: str) -> bool:
        return sum("session is over" in t for t in self.fake.texts(space)) == 1


@pytest.fixture(params=["http", "socket"])
async def driver(fake: FakeSlack, tmp_path: Path, request: pytest.FixtureRequest) -> SlackDriver:
    d = SlackDriver(fake, tmp_path / "mockround.db", request.param)
    yield d
    await d.bot.kill()
    fake.holds.release_all()
    await d.store.close()


async def test_a_round_survives_a_kill_at_each_of_ten_points(driver: SlackDriver) -> None:
    sweep = Sweep(driver)
    await sweep.run()
    assert len(sweep.kills) == 10 and driver.bot.starts == 12
