"""The one entry point adapters call: ``await service.handle(command) -> Reply``.

Bad input and refusals come back as one-line error replies with nothing changed;
a replayed platform delivery (same event id) is handled once.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta

from bot import commands as c
from bot import validation
from bot.app.admin import CommunityAdmin
from bot.commands import BadInput
from bot.messages import OutMessage, Reply
from bot.model import LEVELS, Member, Phase
from bot.ratings.boards import Boards
from bot.ratings.collect import Ratings
from bot.rounds.runner import Rounds
from bot.sessions import presenter
from bot.sessions.driver import Practice
from bot.sessions.machine import (
    Acknowledged,
    Confirmed,
    EndedEarly,
    InvalidTransition,
    NoShowReported,
)

log = logging.getLogger(__name__)


class Service:
    def __init__(
        self, practice: Practice, rounds: Rounds, ratings: Ratings, boards: Boards
    ) -> None:
        self.practice, self.rounds, self.ratings, self.boards = practice, rounds, ratings, boards
        self.store, self.clock, self.bank = practice.store, practice.clock, practice.bank
        self.admin = CommunityAdmin(rounds)

    async def handle(self, cmd: c.Command) -> Reply:
        """Never raises: every failure comes back as an error Reply, so adapters need no guard."""
        if isinstance(cmd, c.ADMIN_COMMANDS) and not cmd.is_admin:
            return Reply.fail(
                "only community admins can do that (schedule, round start/cancel, config)"
            )
        try:
            if cmd.event_id and not await self.store.remember_event(
                cmd.actor.community, cmd.event_id, self.clock.now()
            ):
                return Reply(text="already handled", duplicate=True)
            return await self._dispatch(cmd)
        except (BadInput, InvalidTransition) as exc:
            return Reply.fail(str(exc))
        except Exception:
            log.exception("command %s failed", type(cmd).__name__)
            return Reply.fail("something went wrong on our side; please try again in a moment")

    async def _dispatch(self, cmd: c.Command) -> Reply:
        match cmd:
            case c.Join():
                return await self.join(cmd)
            case c.Leave():
                return await self.leave(cmd)
            case c.Pause():
                return await self.pause(cmd)
            case c.PairNow():
                return await self.pair_now(cmd)
            case c.PracticeQuestion():
                return await self.practice_question(cmd)
            case c.OpenRatingForm():
                return await self.ratings.open_form(cmd)
            case c.SubmitRating():
                return await self.ratings.submit(cmd)
            case c.ReactionAdded():
                return await self.reaction(cmd)
            case c.ConfirmReady():
                return await self._event(
                    cmd.actor, cmd.session_id, Confirmed(cmd.actor), "you are marked as here"
                )
            case c.EndPhase():
                return await self._event(
                    cmd.actor, cmd.session_id, EndedEarly(cmd.actor), "moving on"
                )
            case c.ReportNoShow():
                return await self._event(
                    cmd.actor,
                    cmd.session_id,
                    NoShowReported(cmd.actor),
                    "no-show recorded; session ended",
                )
            case c.ShowGuide():
                return await self.show_guide(cmd)
            case c.ShowLeaderboard():
                period = validation.period(cmd.period)
                track = validation.track(cmd.track, self.bank.tracks()) if cmd.track else None
                cfg = await self.store.get_config(cmd.actor.community)
                return Reply(message=await self.boards.leaderboard(cfg, period, track))
            case c.ShowStats():
                who = cmd.member or cmd.actor
                member = await self.store.get_member(who)
                if member is None:
                    raise BadInput("that person has not joined mock interviews here yet")
                cfg = await self.store.get_config(cmd.actor.community)
                return Reply(message=await self.boards.stats(cfg, who, member.name))
            case c.Help():
                return Reply(message=help_message(cmd.is_admin))
            case _:
                return await self.admin.handle(cmd)

    async def _event(self, actor, session_id, event, done_text: str) -> Reply:
        s = await self.practice.live_session_of(actor, session_id)
        _, effects = await self.practice.apply(s.id, event)
        notes = [e.note for e in effects if isinstance(e, Acknowledged)]
        return Reply.ok(notes[0] if notes else done_text)

    async def show_guide(self, cmd: c.ShowGuide) -> Reply:
        s = await self.practice.live_session_of(cmd.actor, cmd.session_id)
        if s.phase not in (Phase.PREP, Phase.ANSWER, Phase.FEEDBACK):
            raise InvalidTransition("the guide is shown once a turn has started")
        turn = s.turn
        if turn.interviewer != cmd.actor:
            raise InvalidTransition("only this turn's interviewer gets the guide")
        q = self.bank.question(turn.question_id)
        names = await self.practice.names(s)
        return Reply(message=presenter.guide(q, self.bank.rubric_for(q), names[turn.candidate]))

    # --- membership ----------------------------------------------------------------

    async def join(self, cmd: c.Join) -> Reply:
        tracks = self.bank.tracks()
        old = await self.store.get_member(cmd.actor)
        track = (
            validation.track(cmd.track, tracks) if cmd.track else (old.track if old else tracks[0])
        )
        level = validation.level(cmd.level) if cmd.level else (old.level if old else "mid")
        tz = validation.timezone(cmd.timezone) if cmd.timezone else (old.timezone if old else "UTC")
        name = cmd.actor_name or (old.name if old else cmd.actor.id)
        now = self.clock.now()
        member = Member(
            cmd.actor,
            name,
            track,
            level,
            tz,
            "active",
            None,
            old.joined_at if old else now,
            old.waiting_since if old else None,
        )
        await self.store.save_member(member)
        verb = "Updated" if old and old.status == "active" else "Welcome! You joined"
        hint = (
            ""
            if cmd.track and cmd.level and cmd.timezone
            else (" Change them with /mock join track=<track> level=<level> tz=<Area/City>.")
        )
        return Reply.ok(f"{verb}: track {track}, level {level}, timezone {tz}.{hint}")

    async def _member(self, cmd: c.Command) -> Member:
        m = await self.store.get_member(cmd.actor)
        if m is None or m.status == "left":
            raise BadInput("you have not joined yet: /mock join [track=...] [level=...] [tz=...]")
        return m

    async def leave(self, cmd: c.Leave) -> Reply:
        m = await self._member(cmd)
        await self.store.save_member(replace(m, status="left", waiting_since=None))
        return Reply.ok(
            "You left mock interview rounds. Your history is kept; /mock join to come back."
        )

    async def pause(self, cmd: c.Pause) -> Reply:
        weeks = validation.whole_number("weeks", cmd.weeks, 1, 12)
        m = await self._member(cmd)
        until = self.clock.now().date() + timedelta(weeks=weeks)
        await self.store.save_member(
            replace(m, status="paused", paused_until=until, waiting_since=None)
        )
        return Reply.ok(
            f"Paused for {weeks} week{'s' if weeks > 1 else ''}: back in rounds from {until.isoformat()}."
        )

    async def pair_now(self, cmd: c.PairNow) -> Reply:
        m = await self._member(cmd)
        if m.status != "active":
            raise BadInput("you are paused: /mock join to become active again")
        if await self.practice.current_session(cmd.actor) is not None:
            raise BadInput(
                "you are already in a session: finish it (/mock done) or report a no-show"
            )
        now = self.clock.now()
        await self.store.save_member(replace(m, waiting_since=m.waiting_since or now))
        waiting = [
            w
            for w in await self.store.members(cmd.actor.community)
            if w.waiting_since is not None and now - w.waiting_since <= timedelta(hours=2)
        ]
        if len(waiting) < 2:
            return Reply.ok(
                "You're in the queue: you'll be paired as soon as someone else runs /mock now (for 2 hours)."
            )
        cfg = await self.store.get_config(cmd.actor.community)
        rnd, built = await self.rounds.start(
            cfg, kind="on_demand", where=cmd.channel, members=waiting
        )
        mine = [s for s in built if cmd.actor in s.members]
        if mine:
            return Reply.ok(f"Paired! {len(mine[0].members)} of you: your private space is open.")
        return Reply.ok(rnd.unplaced.get(cmd.actor.id, "You're in the queue for the next partner."))

    async def practice_question(self, cmd: c.PracticeQuestion) -> Reply:
        m = await self.store.get_member(cmd.actor)
        track = (
            validation.track(cmd.track, self.bank.tracks())
            if cmd.track
            else (m.track if m else self.bank.tracks()[0])
        )
        level = validation.level(cmd.level) if cmd.level else (m.level if m else "mid")
        seen = await self.store.answered_questions(cmd.actor.community, [cmd.actor.id])
        q = self.bank.choose(
            track=track, level=level, exclude=seen, seed=self.clock.now().isoformat()
        )
        if q is None:
            raise BadInput(f"no questions in track '{track}'")
        rubric = self.bank.rubric_for(q)
        solo = presenter.guide(q, rubric, "you")
        msg = OutMessage(
            kind="question",
            title=f"Solo practice: {q.title}",
            text=f"{q.prompt.strip()}\n\nAnswer aloud for {q.minutes} min, then check yourself against the guide.",
            fields=solo.fields,
        )
        return Reply(message=msg)

    async def reaction(self, cmd: c.ReactionAdded) -> Reply:
        link = await self.store.find_link(cmd.message)
        if link is None:
            return Reply.fail("that message does not take reactions")
        purpose, session_id, turn = link
        if purpose == "signup":
            if cmd.emoji != presenter.JOIN_EMOJI:
                return Reply.fail(f"react {presenter.JOIN_EMOJI} to join")
            existing = await self.store.get_member(cmd.actor)
            if existing is not None and existing.status == "active":
                return Reply.ok("you are already in this round")
            return await self.join(c.Join(actor=cmd.actor, actor_name=cmd.actor_name))
        return await self.ratings.react(cmd, session_id, turn)


def help_message(is_admin: bool) -> OutMessage:
    rows = [
        (f"/mock {usage}", "admin" if name in c.ADMIN_USAGE else "member")
        for name, usage in c.USAGE.items()
        if is_admin or name not in c.ADMIN_USAGE
    ]
    text = (
        "Practice mock interviews with a peer every week. Join, get paired, take turns as "
        f"interviewer and candidate, and rate each other. Levels: {', '.join(LEVELS)}."
    )
    return OutMessage(kind="info", title="mockround commands", text=text, fields=tuple(rows))
