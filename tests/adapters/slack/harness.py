"""The Slack adapter under test, wired to the real core and bolt app, talking to a FakeSlack."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from adapters.slack.app import SlackRuntime, assemble
from adapters.slack.port import SlackChat
from bot.app.config import Settings
from bot.clock import FakeClock
from bot.model import Session, UserRef
from tests.fakes.slack_fake import FakeSlack
from tests.fakes.slack_fake_sender import Delivered, SlackSender

SECRET = "fake-signing-secret"
CoreFactory = Callable[[Settings, SlackChat, FakeClock], Awaitable[Any]]


async def real_core(settings: Settings, chat: SlackChat, clock: FakeClock) -> Any:
    from bot.app.bootstrap import build

    return await build(settings, chat, clock=clock)


class Harness:
    def __init__(
        self,
        fake: FakeSlack,
        db: Path,
        clock: FakeClock | None = None,
        core: CoreFactory = real_core,
    ) -> None:
        self.fake, self.db = fake, db
        self.clock = clock or FakeClock()
        self._core_factory = core
        self.runtime: SlackRuntime | None = None
        self.send: SlackSender | None = None

    def make_settings(self, mode: str) -> Settings:
        return Settings(
            database_url=f"sqlite+aiosqlite:///{self.db}",
            slack_bot_token=self.fake.bot_token,
            slack_app_token=self.fake.app_token if mode == "socket" else None,
            slack_signing_secret=SECRET,
            slack_api_url=self.fake.api_url,
            slack_mode=mode,
        )

    async def start(self, mode: str) -> None:
        settings = self.make_settings(mode)
        self.runtime = await assemble(
            settings, lambda chat: self._core_factory(settings, chat, self.clock)
        )
        await self.core.start()
        url = None
        if mode == "http":
            port = await self.runtime.serve_http("127.0.0.1", 0)
            url = f"http://127.0.0.1:{port}/slack/events"
        else:
            await self.runtime.connect_socket(self.fake.app_token)
        self.send = SlackSender(self.fake, url=url, signing_secret=SECRET)

    async def stop(self) -> None:
        if self.runtime is not None:
            await self.runtime.close()
            await self.core.stop()
            self.runtime = None

    @property
    def core(self) -> Any:
        assert self.runtime is not None
        return self.runtime.core

    # --- what members do, each waiting until the app has answered -----------------------

    async def mock(self, user: str, text: str, channel: str = "CPRACTICE") -> str:
        """Run ``/mock <text>``; returns what the app answered through the response_url."""
        payload = self.send.slash(user, text, channel=channel)
        delivered = await self.send.command(payload)
        assert delivered.status == 200, delivered
        await self.runtime.idle()
        answers = self.fake.responses(payload["response_url"])
        return "\n".join(a.get("text", "") for a in answers)

    async def click(self, user: str, action_id: str, *, channel: str, ts: str) -> str:
        payload = self.send.click(user, action_id, channel=channel, message_ts=ts)
        delivered = await self.send.interaction(payload)
        assert delivered.status == 200, delivered
        await self.runtime.idle()
        return "\n".join(a.get("text", "") for a in self.fake.responses(payload["response_url"]))

    async def submit(
        self, user: str, view: dict[str, Any], values: dict[str, str], comment: str | None = None
    ) -> Delivered:
        delivered = await self.send.interaction(self.send.submit(user, view, values, comment))
        await self.runtime.idle()
        return delivered

    async def react(
        self,
        user: str,
        name: str,
        *,
        channel: str,
        ts: str,
        event_id: str | None = None,
        retry: int = 0,
    ) -> Delivered:
        delivered = await self.send.event(
            self.send.reaction(user, name, channel=channel, ts=ts, event_id=event_id), retry=retry
        )
        await self.runtime.idle()
        return delivered

    async def tick(self, **delta: float) -> None:
        """Move the fake clock and run every timer that came due, as the alarm would."""
        self.clock.advance(**delta)
        await self.core.run_due()
        await self.runtime.idle()

    # --- reading back ---------------------------------------------------------------

    def last_view(self) -> dict[str, Any]:
        views = self.fake.calls_to("views.open")
        assert views, "no modal was opened"
        return views[-1]["view"]

    def button(self, channel: str, prefix: str) -> tuple[str, str]:
        """The newest button in ``channel`` whose action id starts with ``prefix``: (ts, action id)."""
        found = [b for b in self.fake.buttons(channel) if b[1].startswith(prefix)]
        assert found, f"no {prefix} button in {channel}: {self.fake.buttons(channel)}"
        return found[-1]

    async def session_of(self, uid: str) -> Session:
        sessions = await self.core.store.sessions_of(UserRef("slack", self.fake.team, uid), limit=1)
        assert sessions, f"{uid} has no session"
        return sessions[0]

    async def end_phase(self, session_id: str) -> Session:
        """Let the current phase run out: move the clock to its end and fire what is due."""
        s = await self.core.store.get_session(session_id)
        assert s.phase_ends_at is not None, s.phase
        self.clock.set(s.phase_ends_at)
        await self.core.run_due()
        await self.runtime.idle()
        return await self.core.store.get_session(session_id)

    async def ready_all(self, session: Session) -> Session:
        channel = session.space.id
        for member in session.members:
            ts, action = self.button(channel, f"mr:ready:{session.id}")
            await self.click(member.id, action, channel=channel, ts=ts)
        return await self.core.store.get_session(session.id)
