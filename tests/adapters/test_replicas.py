"""Three `mockround run slack` replicas (HTTP mode, real processes) on one PostgreSQL
behave as one: Slack requests are spread over them, one replica is SIGKILLed mid-round
and later rejoins. Every session ends once, the timer that ends a phase fires once, no
post is doubled, and no rating is lost."""

from __future__ import annotations

import asyncio
import itertools
import os
from collections import Counter

import pytest
from sqlalchemy import text

from bot.model import Phase, UserRef
from bot.storage import schema
from bot.storage.sql import SqlStore
from tests.adapters.bot_process import BotProcess, eventually, free_port
from tests.adapters.slack.harness import SECRET
from tests.fakes.slack_fake import FakeSlack
from tests.fakes.slack_fake_sender import SlackSender

PG = os.environ.get("MOCKROUND_TEST_POSTGRES_URL")
MEMBERS = ("UADA", "UBOB", "UCY", "UDEE")
pytestmark = pytest.mark.skipif(
    not PG, reason="needs the PostgreSQL that .ci/run starts (MOCKROUND_TEST_POSTGRES_URL)"
)


class Replicas:
    def __init__(self, fake: FakeSlack) -> None:
        self.fake = fake
        self.bots: list[BotProcess] = []
        self.senders: list[SlackSender] = []
        for _ in range(3):
            port = free_port()
            env = {
                "SLACK_BOT_TOKEN": fake.bot_token,
                "SLACK_SIGNING_SECRET": SECRET,
                "MOCKROUND_SLACK_API_URL": fake.api_url,
                "MOCKROUND_SLACK_MODE": "http",
                "MOCKROUND_SLACK_HOST": "127.0.0.1",
                "MOCKROUND_SLACK_PORT": str(port),
                "MOCKROUND_DATABASE_URL": PG,
            }
            self.bots.append(BotProcess("slack", env, "serving Slack events"))
            url = f"http://127.0.0.1:{port}/slack/events"
            self.senders.append(SlackSender(fake, url=url, signing_secret=SECRET))
        self.down: set[int] = set()
        self._turn = itertools.cycle(range(3))

    def sender(self) -> SlackSender:
        """The next live replica, round robin: as a load balancer would spread requests."""
        while True:
            i = next(self._turn)
            if i not in self.down:
                return self.senders[i]

    async def mock(self, user: str, text_: str) -> str:
        send = self.sender()
        payload = send.slash(user, text_)
        assert (await send.command(payload)).status == 200
        answers = await eventually(
            lambda: self.fake.responses(payload["response_url"]), f"an answer to {text_}"
        )
        return "\n".join(a.get("text", "") for a in answers)

    async def press(self, user: str, space: str, action: str, opens_form: bool = False) -> None:
        ts, action_id = await eventually(
            lambda: next(
                (b for b in reversed(self.fake.buttons(space)) if b[1].startswith(action)), None
            ),
            f"a {action} button in {space}",
        )
        send = self.sender()
        views = len(self.fake.calls_to("views.open"))
        payload = send.click(user, action_id, channel=space, message_ts=ts)
        assert (await send.interaction(payload)).status == 200
        if opens_form:
            await eventually(lambda: len(self.fake.calls_to("views.open")) > views, "a form")
        else:
            await eventually(
                lambda: self.fake.responses(payload["response_url"]), f"{action} answered"
            )


async def wipe(url: str) -> None:
    store = SqlStore(url)
    async with store._engine.begin() as conn:
        await conn.run_sync(schema.metadata.drop_all)
        await conn.execute(text("DROP INDEX IF EXISTS ux_rounds_running_weekly"))
    await store.close()


@pytest.mark.timeout(300)  # a phase ends by its one-minute timer, in real time
async def test_three_replicas_on_one_postgresql_run_a_round_as_one(tmp_path) -> None:
    await wipe(PG)
    fake = FakeSlack()
    await fake.start()
    for uid in MEMBERS:
        fake.add_user(uid, uid.title())
    fake.add_user("UADMIN", "Admin", admin=True)
    fake.add_channel("CPRACTICE", set(fake.users))
    r = Replicas(fake)
    store = SqlStore(PG)
    try:
        await r.bots[0].start()  # the first migrates the empty database; the others join
        await asyncio.gather(r.bots[1].start(), r.bots[2].start())
        await r.mock("UADMIN", "config prep=1")
        for uid in MEMBERS:
            assert "behavioral" in await r.mock(uid, "join track=behavioral tz=Asia/Tokyo")
        assert "Round started: 2 sessions" in await r.mock("UADMIN", "round start")
        community = f"slack:{fake.team}"
        sessions = await eventually(
            lambda: _in(store, community, Phase.INTRO, 2), "both sessions open"
        )

        # both pairs say they are here, through different replicas; prep starts
        for s in sessions:
            for m in s.members:
                await r.press(m.id, s.space.id, f"mr:ready:{s.id}")
        await eventually(lambda: _in(store, community, Phase.PREP, 2), "prep in both")

        # one replica dies in the middle of the round; the others carry on
        r.down.add(1)
        await r.bots[1].kill()
        # prep lasts a minute: its timer ends it once, on whichever replica claims it
        await eventually(lambda: _in(store, community, Phase.ANSWER, 2), "answer", within=120)
        for s in sessions:
            await r.press(s.turns[0].candidate.id, s.space.id, f"mr:done:{s.id}:answer")
        await eventually(lambda: _in(store, community, Phase.FEEDBACK, 2), "feedback")
        # a quick score through a replica: it must survive whatever happens next
        first = sessions[0]
        interviewer = first.turns[0].interviewer.id
        await r.press(interviewer, first.space.id, f"mr:rate:{first.id}:0", opens_form=True)
        view = fake.calls_to("views.open")[-1]["view"]
        send = r.sender()
        selects = [b for b in view["blocks"] if b.get("element", {}).get("type") == "static_select"]
        values = {b["block_id"]: "4" for b in selects}
        delivered = await send.interaction(send.submit(interviewer, view, values, "steady"))
        assert delivered.status == 200

        # the killed replica comes back and takes requests again
        await r.bots[1].start()
        r.down.discard(1)
        for s in sessions:
            # the interviewer ends feedback; turn 2 goes the same way to the end
            await r.press(s.turns[0].interviewer.id, s.space.id, f"mr:done:{s.id}:feedback")
        await eventually(lambda: _in(store, community, Phase.PREP, 2, turn=1), "turn 2")
        for s in sessions:
            cand, inter = s.turns[1].candidate.id, s.turns[1].interviewer.id
            await r.press(cand, s.space.id, f"mr:done:{s.id}:prep")
            await r.press(cand, s.space.id, f"mr:done:{s.id}:answer")
            await r.press(inter, s.space.id, f"mr:done:{s.id}:feedback")

        async def all_done() -> bool:
            ended = [await store.get_session(s.id) for s in sessions]
            return all(s.phase is Phase.DONE for s in ended)

        await eventually(all_done, "both sessions done")
        await eventually(lambda: _outbox_empty(store), "every queued post sent")
        # nothing posted twice in any pair's space; each phase announced once
        for s in sessions:
            posts = Counter(fake.texts(s.space.id))
            assert not [t for t, n in posts.items() if n > 1], posts
            by_timer = [t for t in fake.texts(s.space.id) if "Time's up for prep" in t]
            assert len(by_timer) == 1, by_timer  # turn 1's prep timer fired once
        # every session ended once, the rating survived
        ratings = await store.session_ratings(first.id)
        assert [(x.rater.id, x.overall) for x in ratings if x.about == "answer"] == [
            (interviewer, 4)
        ]
        for bot in r.bots:
            assert await bot.terminate() == 0
    finally:
        for n, bot in enumerate(r.bots):
            print(f"=== replica {n}", *bot.lines[-25:], sep="\n")
            await bot.kill()
        await store.close()
        await fake.close()


async def _in(store: SqlStore, community: str, phase: Phase, n: int, turn: int = 0):
    live = [s for s in await store.sessions_live(community) if s.phase is phase]
    return live if len(live) == n and all(s.turn_index == turn for s in live) else None


async def _outbox_empty(store: SqlStore) -> bool:
    return (await store.outbox_backlog())[0] == 0


def _user(uid: str, team: str) -> UserRef:
    return UserRef("slack", team, uid)
