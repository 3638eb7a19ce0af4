"""`mockround demo`: a simulated community runs one weekly round on the console adapter.

The round is in window mode, as a new community's would be: members in several zones say
when they can meet, each pair is proposed times inside both availabilities, books one
(one member counter-proposes), gets a calendar invitation and reminders, and meets at
the booked time, where one member of two pairs never turns up.

Everything is real but the people and the clock: the service, the SQLite store (a
temporary file), the scheduler's persisted timers, the question packs. Members type
the same commands they would on Discord or Slack; a fake clock jumps from timer to
timer so the round finishes in seconds.
"""

from __future__ import annotations

import asyncio
import random
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.markup import escape

from adapters.console.chat import ConsoleChat, Entry
from adapters.console.people import AVAILABILITY, FIRST_NAMES, TIMEZONES
from bot import actions
from bot.app.bootstrap import build
from bot.app.config import load_settings
from bot.clock import FakeClock
from bot.commands import BadInput, Command, ReactionAdded
from bot.messages import SCORE_EMOJIS, Reply
from bot.model import LEVELS, ChannelRef, Phase, UserRef
from bot.syntax import parse_text

START = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)  # a Monday
CHANNEL = "mock-interviews"


@dataclass
class Person:
    user: UserRef
    name: str
    track: str
    level: str
    timezone: str
    skill: float  # the simulated answer quality, 1-5
    leniency: float  # how generous this person is as a rater
    free: str = AVAILABILITY[0]  # when they can meet, in their own zone


class Demo:
    def __init__(self, members: int, seed: int, console: Console, full: bool, db: Path) -> None:
        self.rng = random.Random(seed)
        self.seed, self.console, self.full = seed, console, full
        self.clock = FakeClock(START)
        self.chat = ConsoleChat(
            self.clock,
            on_entry=self._print_entry,
            files_dir=Path(tempfile.gettempdir()) / "mockround-demo",
        )
        self.db = db
        self.n = members
        self.channel = ChannelRef("console", "demo", CHANNEL)
        self.people: list[Person] = []
        self.rated: set[tuple[str, int]] = set()
        self.answered_dms: set[int] = set()  # rematch offers and feedback already acted on
        self.late: list[Person] = []  # members who never turn up

    def _user(self, name: str) -> UserRef:
        return UserRef("console", "demo", name.lower())

    def _name(self, user_id: str) -> str:
        return next((p.name for p in self.people if p.user.id == user_id), user_id)

    def _print_entry(self, e: Entry) -> None:
        audience = (
            "everyone"
            if e.audience == "*"
            else ", ".join(sorted(self._name(u) for u in e.audience))
        )
        header = f"[dim]{e.at:%a %H:%M}[/] [bold cyan]{e.where}[/] [dim]→ {audience}[/]"
        text = e.text
        if not self.full and e.where.startswith("space-") and not e.where.startswith("space-1"):
            text = text.splitlines()[0] + ("  …" if "\n" in text else "")
        self.console.print(header)
        self.console.print(text, markup=False, highlight=False)
        self.console.print()

    async def say(self, person: Person, text: str, admin: bool = False) -> Reply:
        try:
            cmd = parse_text(
                text,
                actor=person.user,
                actor_name=person.name,
                is_admin=admin,
                channel=self.channel,
                resolve_member=self._member_token,
                resolve_channel=lambda token: ChannelRef("console", "demo", token.lstrip("#")),
            )
        except BadInput as exc:
            return self._show(person, f"/mock {text}", Reply.fail(str(exc)))
        return await self.send(person, cmd, f"/mock {text}")

    def _member_token(self, token: str) -> UserRef | None:
        wanted = token.lstrip("@").lower()
        return next((p.user for p in self.people if p.user.id == wanted), None)

    async def send(self, person: Person, cmd: Command, shown: str) -> Reply:
        return self._show(person, shown, await self.app.service.handle(cmd))

    def _show(self, person: Person, shown: str, reply: Reply) -> Reply:
        self.console.print(
            f"[dim]{self.clock.now():%a %H:%M}[/] [bold]{person.name}[/]: {escape(shown)}",
            highlight=False,
        )
        if reply.text:
            style = "red" if reply.error else "green"
            self.console.print(
                f"  [{style}]↳ (only {person.name}) {escape(reply.text)}[/]", highlight=False
            )
        if reply.message is not None:
            self.console.print(self.chat.render(reply.message), markup=False, highlight=False)
        if reply.form is not None:
            fields = ", ".join(f.label for f in reply.form.fields)
            self.console.print(
                f"  ↳ (only {person.name}) a form opens: {reply.form.title} [{fields}]",
                markup=False,
                highlight=False,
            )
        self.console.print()
        return reply

    async def run(self) -> None:
        settings = load_settings(database_url=f"sqlite+aiosqlite:///{self.db}")
        self.app = await build(settings, self.chat, clock=self.clock)
        # the same seed prints the same transcript, meeting links included
        self.app.rounds.openings.token = lambda: f"demo{self.rng.randrange(16**8):08x}"
        await self.app.start()
        try:
            await self._round()
        finally:
            await self.app.stop()

    def _cast(self) -> None:
        tracks = self.app.bank.tracks()
        names = list(FIRST_NAMES)
        for i in range(self.n):
            name = names[i] if i < len(names) else f"Member{i + 1}"
            self.people.append(
                Person(
                    self._user(name),
                    name,
                    self.rng.choice(tracks[:3]),
                    self.rng.choice(LEVELS),
                    self.rng.choice(TIMEZONES),
                    skill=self.rng.uniform(2.0, 4.8),
                    leniency=self.rng.uniform(-0.6, 0.6),
                    free=self.rng.choice(AVAILABILITY),
                )
            )

    async def _round(self) -> None:
        self._cast()
        admin = self.people[0]
        self.console.rule(f"mockround demo: {self.n} members, seed {self.seed}")
        await self.say(admin, f"schedule tue 18:00 tz=UTC channel=#{CHANNEL}", admin=True)
        await self.say(admin, "config meet=window window=6 reports=organisers", admin=True)
        await self._until(START + timedelta(hours=1))  # the signup post goes out a day ahead
        signup = self.chat.last("signup")
        for i, p in enumerate(self.people):
            if i % 4 == 3:  # some members just click the signup post's reaction...
                await self.send(
                    p,
                    ReactionAdded(actor=p.user, actor_name=p.name, message=signup.ref, emoji="✋"),
                    "reacts ✋ on the signup post",
                )
                await self.say(p, f"join track={p.track} level={p.level} tz={p.timezone}")
            else:  # ...the rest type the command
                await self.say(p, f"join track={p.track} level={p.level} tz={p.timezone}")
            await self.say(p, f"availability {p.free}")
        await self.say(
            self.people[1], "join level=principal"
        )  # bad input: refused, nothing changes
        await self.say(self.people[2], "round start")  # not an admin: refused
        await self._until(datetime(2026, 3, 3, 18, 0, tzinfo=UTC))  # the scheduled round fires
        self.late = await self._latecomers()
        self.console.rule("each pair books a time in its window")
        await self._book()
        for p in self.late:
            self.console.print(f"[dim]{p.name} will not turn up at the booked time[/dim]")
        self.console.rule("reminders, then each session at its booked time")
        await self._play()
        self.console.rule("after the round")
        await self._answer_dms()  # the last turns' feedback arrived as the sessions ended
        await self.say(admin, "leaderboard all")
        await self.say(self.people[1], "history")
        self._member_view(self.people[1])
        self.console.rule(f"{self.people[1].name}'s status and progress")
        await self.say(self.people[1], "status")
        await self.say(self.people[1], "stats")
        await self.app.service.charts.settle()  # the chart follows the numbers
        self.console.rule("the organisers' round report, now that the rematch is over too")
        await self.say(self.people[0], "round report", admin=True)

    def _member_view(self, p: Person) -> None:
        """One member's screen, in order: what reached them and where."""
        self.console.rule(f"what {p.name} saw")
        for e in self.chat.seen_by(p.user.id):
            first = e.text.splitlines()[0].strip("*")
            first = first if len(first) <= 44 else first[:43] + "…"
            self.console.print(
                f"{e.at:%a %H:%M}  {e.where:<20} {first}", markup=False, highlight=False
            )

    def _person(self, user: UserRef) -> Person:
        return next(p for p in self.people if p.user == user)

    async def _book(self) -> None:
        """Members press the proposed slots that suit them. In the first pair one member
        offers another time first (in their own zone) and the other accepts it; the two
        pairs where someone will not come book the same time, so the two stood up can be
        rematched with each other."""
        rnd = await self.app.store.latest_round("console:demo")
        late = {p.user for p in self.late}
        shared: datetime | None = None
        for number, s in enumerate(await self.app.store.round_sessions(rnd.id)):
            if s.phase is not Phase.BOOKING:
                continue
            first = self._person(s.members[0])
            with_late = any(m in late for m in s.members)
            when = None
            if with_late and shared is not None:
                when = shared
            elif number == 0 or not s.proposals:
                base = s.proposals[0].at if s.proposals else self.clock.now() + timedelta(days=1)
                when = base + timedelta(minutes=30)
            if when is not None:
                local = when.astimezone(ZoneInfo(first.timezone))
                await self.say(first, f"propose {local:%Y-%m-%d %H:%M}")
                s = await self.app.store.get_session(s.id)
            slot = len(s.proposals) if when is not None or len(s.proposals) == 1 else 2
            for m in s.members:
                if m in s.proposals[slot - 1].accepted:
                    continue
                p = self._person(m)
                cmd = actions.decode(actions.accept(s.id, slot), actor=m, actor_name=p.name)
                await self.send(p, cmd, f"presses Slot {slot} works")
            if with_late and shared is None:
                shared = s.proposals[slot - 1].at

    async def _until(self, when: datetime) -> None:
        while self.clock.now() < when:
            self.clock.advance(minutes=1)
            await self.app.run_due()

    async def _play(self) -> None:
        """Jump from timer to timer; members act as each phase opens (I'm here at the booked
        time, interviewers rate as each feedback phase opens)."""
        for _ in range(5000):
            live = await self._live_sessions()
            if not live:
                return
            for s in live:
                await self._act(s)
            await self._answer_dms()
            due = await self.app.store.pending_timers()
            nxt = min((t.due_at for t in due), default=self.clock.now() + timedelta(minutes=1))
            self.clock.set(max(nxt, self.clock.now() + timedelta(seconds=1)))
            await self.app.run_due()

    async def _live_sessions(self):
        return await self.app.store.sessions_live("console:demo")

    async def _latecomers(self) -> list[Person]:
        """One member of each of the first two pairs never comes: their partners are
        stood up, offered a rematch, and meet each other."""
        rnd = await self.app.store.latest_round("console:demo")
        pairs = [s for s in await self.app.store.round_sessions(rnd.id) if len(s.members) == 2]
        if len(pairs) < 3:
            return []  # a small community: everyone comes
        person = {p.user: p for p in self.people}
        watched = self.people[1].user  # the member whose screen ends the demo comes
        for i, first in enumerate(pairs):
            for second in pairs[i + 1 :]:
                for a in first.members:
                    for b in second.members:
                        if watched in (a, b):
                            continue
                        gap = abs(LEVELS.index(person[a].level) - LEVELS.index(person[b].level))
                        if gap <= 1 and person[a].track == person[b].track:
                            # a and b are stood up, and can be paired with each other
                            away = [m for m in (*first.members, *second.members) if m not in (a, b)]
                            if watched not in away:
                                return [person[m] for m in away]
        return []

    async def _answer_dms(self) -> None:
        """Stood-up members take the rematch; candidates rate the feedback they received."""
        for e in list(self.chat.entries):
            if e.where != "DM" or e.number in self.answered_dms or not e.msg.buttons:
                continue
            self.answered_dms.add(e.number)
            p = next(p for p in self.people if p.user.id in e.audience)
            button = e.msg.buttons[0]
            cmd = actions.decode(button.action_id, actor=p.user, actor_name=p.name)
            reply = await self.send(p, cmd, f"presses {button.label}")
            if reply.form is not None:
                useful = str(self.rng.choice([3, 4, 4, 5]))
                await self.send(
                    p,
                    actions.submission(
                        reply.form.form_id, {"useful": useful}, "", actor=p.user, actor_name=p.name
                    ),
                    f"rates the feedback {useful}/5",
                )

    async def _act(self, s) -> None:
        if s.phase is Phase.INTRO:  # the booked time (or a rematch): who comes presses I'm here
            for m in s.members:
                if m not in s.confirmed and m not in {p.user for p in self.late}:
                    p = next(p for p in self.people if p.user == m)
                    await self.send(
                        p, actions.decode(actions.ready(s.id), actor=m), "presses I'm here"
                    )
            return
        if s.phase is not Phase.FEEDBACK or (s.id, s.turn_index) in self.rated:
            return
        self.rated.add((s.id, s.turn_index))
        turn = s.turns[s.turn_index]
        rater = next(p for p in self.people if p.user == turn.interviewer)
        candidate = next(p for p in self.people if p.user == turn.candidate)
        base = candidate.skill + rater.leniency
        if len(self.rated) % 2:  # quick score by reaction
            score = max(1, min(5, round(base + self.rng.gauss(0, 0.4))))
            feedback = self.chat.last("feedback", s.space.id)
            cmd = ReactionAdded(
                actor=rater.user,
                actor_name=rater.name,
                message=feedback.ref,
                emoji=SCORE_EMOJIS[score - 1],
            )
            await self.send(rater, cmd, f"reacts {SCORE_EMOJIS[score - 1]} on the feedback message")
            return
        form = (
            await self.send(
                rater,
                actions.decode(
                    actions.rate(s.id, s.turn_index), actor=rater.user, actor_name=rater.name
                ),
                "presses Rate",
            )
        ).form
        values = {
            f.id: str(max(1, min(5, round(base + self.rng.gauss(0, 0.6)))))
            for f in form.fields
            if f.kind == "select"
        }
        comment = self.rng.choice(
            [
                "Clear structure; quantify the impact next time.",
                "Good trade-offs, rushed the ending.",
                "Strong reflection. Tighten the intro.",
            ]
        )
        shown = "submits the form: " + ", ".join(f"{k}={v}" for k, v in values.items())
        await self.send(
            rater,
            actions.submission(
                form.form_id, values, comment, actor=rater.user, actor_name=rater.name
            ),
            shown,
        )


async def run_demo(
    members: int = 12, seed: int = 7, full: bool = False, console: Console | None = None
) -> ConsoleChat:
    console = console or Console(highlight=False)
    with tempfile.TemporaryDirectory(prefix="mockround-demo-") as tmp:
        demo = Demo(members, seed, console, full, Path(tmp) / "demo.db")
        await demo.run()
    return demo.chat


def main(members: int, seed: int, full: bool) -> int:
    asyncio.run(run_demo(members, seed, full))
    return 0
