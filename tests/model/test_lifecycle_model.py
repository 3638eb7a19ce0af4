"""A model-based test of the practice loop: random members join, leave and pause; admins
switch between live and window mode, start and cancel rounds; pairs accept slots (two at
once), propose times and reschedule; members press "I'm here", "I'm done" (sometimes twice at once),
report no-shows, rate by reaction and by form, some deliveries arrive twice; the app is
dropped and rebuilt on the same database; the clock jumps.

Driven through the real Service on a real database (SQLite, and PostgreSQL when CI has
one) with the console chat and a fake clock. After every step the invariants below hold.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from adapters.console.chat import ConsoleChat
from bot import actions
from bot import commands as c
from bot.app.bootstrap import build
from bot.app.config import load_settings
from bot.clock import FakeClock
from bot.messages import SCORE_EMOJIS
from bot.model import Phase
from bot.questions.packs import load_bank
from bot.questions.shipped import REPO_QUESTIONS
from bot.sessions.machine import current_key
from bot.storage import schema
from tests.conftest import CHANNEL, advance, user

COMMUNITY = "console:demo"
NAMES = ("ann", "bob", "cat", "dan", "eve")
BANK = load_bank([REPO_QUESTIONS])
STEPS = int(os.environ.get("MOCKROUND_MODEL_STEPS", "30"))
EXAMPLES = int(os.environ.get("MOCKROUND_MODEL_EXAMPLES", "25"))
names = st.sampled_from(NAMES)


class PracticeLoop(RuleBasedStateMachine):
    database_url: str | None = None  # None: a fresh SQLite file per example

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.clock = FakeClock()
        self.chat = ConsoleChat(self.clock)
        if self.database_url is None:
            self.tmp = tempfile.TemporaryDirectory()
            self.url = f"sqlite+aiosqlite:///{Path(self.tmp.name) / 'model.db'}"
        else:
            self.tmp, self.url = None, self.database_url
        self.app = None
        self.run(self._build(wipe=self.database_url is not None))
        self.acknowledged: dict[tuple[str, int, str], int] = {}  # rating the member was told
        self.event = 0

    def run(self, coro):
        return self.loop.run_until_complete(coro)

    async def _build(self, wipe: bool = False) -> None:
        self.app = await build(
            load_settings(database_url=self.url), self.chat, clock=self.clock, bank=BANK
        )
        if wipe:
            async with self.app.store._engine.begin() as conn:
                await conn.run_sync(schema.metadata.drop_all)
        await self.app.start()

    def handle(self, *cmds: c.Command):
        async def go():
            return await asyncio.gather(*[self.app.service.handle(x) for x in cmds])

        replies = self.run(go())
        for cmd, reply in zip(cmds, replies, strict=True):
            assert not reply.text.startswith("something went wrong"), (cmd, reply.text)
            if isinstance(cmd, c.SubmitRating | c.ReactionAdded) and reply.text.startswith(
                "Rating"
            ):
                score = int(reply.text.split(": ")[1].split("/")[0])
                self.acknowledged[self._rated[id(cmd)]] = score
        return replies

    def live(self, name: str):
        return self.run(self.app.practice.current_session(user(name)))

    # --- membership and rounds -----------------------------------------------------------

    @rule(name=names, level=st.sampled_from(["junior", "mid", "senior"]))
    def join(self, name, level):
        self.handle(c.Join(actor=user(name), actor_name=name, level=level, track="behavioral"))

    @rule(name=names)
    def leave(self, name):
        self.handle(c.Leave(actor=user(name)))

    @rule(name=names, weeks=st.sampled_from(["1", "2 weeks", "0"]))
    def pause(self, name, weeks):
        self.handle(c.Pause(actor=user(name), weeks=weeks))

    @rule(name=names, twice=st.booleans())
    def now(self, name, twice):
        cmd = c.PairNow(actor=user(name), channel=CHANNEL)
        self.handle(cmd, cmd) if twice else self.handle(cmd)

    @rule(together=st.lists(names, min_size=2, max_size=4, unique=True))
    def now_at_once(self, together):
        self.handle(*[c.PairNow(actor=user(n), channel=CHANNEL) for n in together])

    @rule(twice=st.booleans())
    def start_round(self, twice):
        cmd = c.StartRound(actor=user("admin"), is_admin=True, channel=CHANNEL)
        self.handle(cmd, cmd) if twice else self.handle(cmd)

    @rule()
    def cancel_round(self):
        self.handle(c.CancelRound(actor=user("admin"), is_admin=True))

    @rule(meet=st.sampled_from(["window", "live"]), days=st.sampled_from(["1", "2", "6"]))
    def meet(self, meet, days):
        settings = {"meet": meet, "window": days}
        self.handle(c.Configure(actor=user("admin"), is_admin=True, settings=settings))

    # --- booking a time (window mode) --------------------------------------------------------

    @rule(name=names, number=st.integers(1, 4), together=st.booleans())
    def accept(self, name, number, together):
        s = self.live(name)
        if s is None:
            self.handle(c.AcceptSlot(actor=user(name), number=str(number)))
            return
        who = s.present if together else (user(name),)
        self.handle(*[actions.decode(actions.accept(s.id, number), actor=m) for m in who])

    @rule(
        name=names,
        day=st.sampled_from(["today", "tomorrow", "fri", "2026-01-07"]),
        at=st.sampled_from(["07:00", "19:30", "23:45"]),
    )
    def propose(self, name, day, at):
        self.handle(c.ProposeTime(actor=user(name), day=day, time=at))

    @rule(name=names)
    def reschedule(self, name):
        self.handle(c.Reschedule(actor=user(name)))

    @rule(name=names, free=st.sampled_from(["daily 06:00-09:00", "mon-fri 18:00-23:00", "x"]))
    def availability(self, name, free):
        self.handle(c.SetAvailability(actor=user(name), text=free))

    # --- inside a session ------------------------------------------------------------------

    @rule(name=names)
    def ready(self, name):
        self.handle(c.ConfirmReady(actor=user(name)))

    @rule(name=names, both=st.booleans())
    def press_done(self, name, both):
        s = self.live(name)
        if (
            s is None
            or s.phase.terminal
            or s.phase not in (Phase.PREP, Phase.ANSWER, Phase.FEEDBACK)
        ):
            return
        button = actions.done(s.id, current_key(s))
        presses = [actions.decode(button, actor=m) for m in (s.present if both else [user(name)])]
        self.handle(*presses)

    @rule(name=names)
    def no_show(self, name):
        self.handle(c.ReportNoShow(actor=user(name)))

    @rule(name=names, score=st.integers(1, 5), replay=st.booleans())
    def react(self, name, score, replay):
        s = self.live(name)
        if s is None or s.space is None:
            return
        try:
            entry = self.chat.last("feedback", s.space.id)
        except LookupError:
            return
        self.event += 1
        cmd = c.ReactionAdded(
            actor=user(name),
            message=entry.ref,
            emoji=SCORE_EMOJIS[score - 1],
            event_id=f"r{self.event}",
        )
        self._note(cmd, s, name)
        self.handle(cmd, cmd) if replay else self.handle(cmd)

    @rule(name=names, score=st.integers(1, 5))
    def rate_by_form(self, name, score):
        s = self.live(name)
        if s is None or s.phase not in (Phase.ANSWER, Phase.FEEDBACK):
            return
        form = self.handle(c.OpenRatingForm(actor=user(name)))[0].form
        if form is None:
            return
        values = {f.id: str(score) for f in form.fields if f.kind == "select"}
        cmd = actions.submission(form.form_id, values, "ok", actor=user(name))
        self._note(cmd, s, name)
        self.handle(cmd)

    def _note(self, cmd, s, name):
        if not hasattr(self, "_rated"):
            self._rated = {}
        self._rated[id(cmd)] = (s.id, s.turn_index, name)

    # --- time and restarts ------------------------------------------------------------------

    @rule(minutes=st.sampled_from([1, 3, 11, 30, 120, 60 * 24]))
    def tick(self, minutes):
        self.run(advance(self.app, self.clock, minutes))

    @rule()
    def restart(self):
        self.run(self.app.stop())
        self.run(self._build())

    # --- invariants ---------------------------------------------------------------------------

    @invariant()
    def no_member_in_two_live_sessions(self):
        live = self.run(self.app.store.sessions_live(COMMUNITY))
        counts = Counter(m.id for s in live for m in s.present)
        assert not [m for m, n in counts.items() if n > 1], counts

    @invariant()
    def every_live_session_has_one_timer_for_its_phase(self):
        live = self.run(self.app.store.sessions_live(COMMUNITY))
        pending = self.run(self.app.store.pending_timers())
        for s in live:
            if s.phase is Phase.PAIRED:
                continue
            mine = [t for t in pending if t.subject == s.id and t.kind == "phase_end"]
            assert [t.key for t in mine] == [current_key(s)], (s.id, s.phase, mine)

    @invariant()
    def a_booking_is_a_slot_everyone_accepted(self):
        for s in self.run(self.app.store.sessions_live(COMMUNITY)):
            event(f"live session in phase {s.phase.value}")
            if s.phase is Phase.BOOKED:
                slot = [p for p in s.proposals if p.at == s.starts_at]
                assert slot and slot[0].accepted >= set(s.present), s
                assert s.sequence >= 1 and s.starts_at <= s.window_ends_at, s
            elif s.phase is Phase.BOOKING:
                assert s.starts_at is None and s.window_ends_at is not None, s

    @invariant()
    def no_message_is_sent_twice(self):
        posts = Counter(
            (e.ref.channel, e.at, e.msg.title, e.msg.text)
            for e in self.chat.entries
            if e.where.startswith("space")
        )
        assert not [k for k, n in posts.items() if n > 1]

    @invariant()
    def every_acknowledged_rating_is_stored(self):
        for (sid, turn, rater), score in self.acknowledged.items():
            stored = [
                r
                for r in self.run(self.app.store.session_ratings(sid))
                if r.turn == turn and r.rater.id == rater and r.about == "answer"
            ]
            assert [r.overall for r in stored] == [score], (sid, turn, rater)

    @invariant()
    def no_guide_reaches_a_candidate(self):
        for e in self.chat.entries:
            if e.msg.kind == "guide" and e.where.startswith("space"):
                assert len(e.audience) == 1, e.where  # the interviewer alone
        for s in self.run(self.app.store.sessions_live(COMMUNITY)):
            for t in s.turns:
                title = f"Interviewer guide: {BANK.question(t.question_id).title}"
                seen = [x for x in self.chat.seen_by(t.candidate.id) if x.msg.title == title]
                assert not seen, (s.id, t.candidate.id)

    def teardown(self):
        try:
            if self.app is not None:
                # moving the clock far enough ends every session and frees every member
                self.run(advance(self.app, self.clock, 60 * 24 * 16))
                assert self.run(self.app.store.sessions_live(COMMUNITY)) == []
                assert self.run(self.app.store.busy_members(COMMUNITY)) == set()
                self.run(self.app.stop())
        finally:
            self.loop.close()
            if self.tmp is not None:
                self.tmp.cleanup()


MODEL_SETTINGS = settings(
    max_examples=EXAMPLES,
    stateful_step_count=STEPS,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

TestPracticeLoopSQLite = PracticeLoop.TestCase
TestPracticeLoopSQLite.settings = MODEL_SETTINGS


class PracticeLoopWindow(PracticeLoop):
    """The same loop in a community that starts in window mode, with a one-day window so
    bookings, reminders and windows that end all happen within a run."""

    def __init__(self) -> None:
        super().__init__()
        self.meet("window", "1")
        for name in NAMES[:4]:
            self.join(name, "mid")


TestPracticeLoopWindow = PracticeLoopWindow.TestCase
TestPracticeLoopWindow.settings = MODEL_SETTINGS


class PracticeLoopPostgres(PracticeLoop):
    database_url = os.environ.get("MOCKROUND_TEST_POSTGRES_URL")


if PracticeLoopPostgres.database_url:
    TestPracticeLoopPostgres = PracticeLoopPostgres.TestCase
    TestPracticeLoopPostgres.settings = MODEL_SETTINGS
