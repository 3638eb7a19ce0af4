"""Admin commands: the weekly schedule, starting and cancelling rounds, community settings."""

from __future__ import annotations

from dataclasses import replace

from bot import commands as c
from bot import localtime, syntax, validation
from bot.commands import BadInput
from bot.messages import OutMessage, Reply
from bot.model import CommunityConfig, Schedule

MINUTE_KEYS = {"prep": "prep_minutes", "feedback": "feedback_minutes", "intro": "intro_minutes"}


class CommunityAdmin:
    def __init__(self, rounds, slots) -> None:
        self.rounds, self.slots = rounds, slots
        self.store, self.bank = rounds.store, rounds.bank

    async def handle(self, cmd: c.Command) -> Reply:
        cfg = await self.store.get_config(cmd.actor.community)
        match cmd:
            case c.SetSchedule():
                return await self.schedule(cmd, cfg)
            case c.StartRound():
                return await self.start(cmd, cfg)
            case c.CancelRound():
                return await self.cancel(cfg)
            case c.Configure():
                return await self.configure(cmd, cfg)
        raise BadInput(f"unsupported command {type(cmd).__name__}")

    async def schedule(self, cmd: c.SetSchedule, cfg: CommunityConfig) -> Reply:
        weekday = validation.weekday(cmd.weekday)
        time = validation.clock_time(cmd.time)
        tz = validation.timezone(cmd.timezone)
        channel = cmd.target or cmd.channel
        if channel is None:
            raise BadInput(
                "say which channel the round is announced in: schedule ... channel=#name"
            )
        number = validation.whole_number("slot", cmd.slot, 1, len(cfg.slots) + 1)
        every = validation.whole_number("every", cmd.every, 1, 2)
        today = self.rounds.clock.now().date()
        slot = Schedule(weekday, time, tz, channel, every, today if every > 1 else None)
        slots = list(cfg.slots)
        slots[number - 1 : number] = [slot]
        cfg = replace(cfg, slots=tuple(slots))
        await self.store.save_config(cfg)
        times = await self.slots.arm(cfg)
        cadence = "every other week" if every == 2 else "every week"
        return Reply.ok(
            f"Slot {number}: rounds {cadence} on {weekday} at {time} ({tz}) in "
            f"{mention_channel(channel)}; next one {localtime.when(times[number - 1], tz)}."
        )

    async def start(self, cmd: c.StartRound, cfg: CommunityConfig) -> Reply:
        running = await self.store.latest_round(cfg.community, kind="weekly", status="running")
        if running is not None:
            raise BadInput("a round is already running: /mock round cancel first")
        where = cfg.schedule.channel if cfg.schedule else cmd.channel
        rnd, built = await self.rounds.start(cfg, kind="weekly", where=where)
        if not built and rnd.unplaced:
            n = len(rnd.unplaced)
            return Reply.ok(
                f"Nobody could be paired: {n} member{'s' if n != 1 else ''} without a partner, "
                "each told why (in window mode: no free hours shared with anyone)."
            )
        if not built:
            return Reply.ok("Nobody could be paired: at least two active members are needed.")
        return Reply.ok(
            f"Round started: {len(built)} session{'s' if len(built) != 1 else ''}"
            f"{f', {len(rnd.unplaced)} member(s) without a partner' if rnd.unplaced else ''}."
        )

    async def cancel(self, cfg: CommunityConfig) -> Reply:
        running = await self.store.latest_round(cfg.community, kind="weekly", status="running")
        if running is None:
            raise BadInput("no round is running")
        n = await self.rounds.cancel(running)
        return Reply.ok(f"Round cancelled: {n} session{'s' if n != 1 else ''} stopped.")

    async def configure(self, cmd: c.Configure, cfg: CommunityConfig) -> Reply:
        if not cmd.settings:
            return Reply(message=config_message(cfg))
        changes: dict = {}
        for key, value in cmd.settings.items():
            changes.update(self._setting(key, value, cfg.community))
        new = replace(cfg, **changes)
        await self.store.save_config(new)
        if new.timezone != cfg.timezone:  # weeks and months now start at other moments
            await self.store.rebuild_standings(new.community, new.timezone)
        return Reply(text="Settings saved.", message=config_message(new))

    def _setting(self, key: str, value: str, community: str) -> dict:
        if key in MINUTE_KEYS:
            return {MINUTE_KEYS[key]: validation.whole_number(key, value, 1, 60)}
        if key == "answer":
            if value.lower() == "question":
                return {"answer_minutes": None}
            return {"answer_minutes": validation.whole_number("answer", value, 1, 90)}
        if key == "packs":
            if value.lower() == "all":
                return {"packs": None}
            ids = tuple(p.strip() for p in value.split(",") if p.strip())
            known = self.bank.pack_ids()
            unknown = [p for p in ids if p not in known]
            if unknown or not ids:
                raise BadInput(
                    f"unknown pack '{validation.quote(','.join(unknown))}': accepted are all, or {', '.join(known)}"
                )
            return {"packs": ids}
        if key == "level_gap":
            return {"level_gap": validation.whole_number("level_gap", value, 0, 2)}
        if key == "tracks":
            if value.lower() not in ("apart", "mixed"):
                raise BadInput(
                    "tracks must be 'apart' (members meet within their track) or 'mixed'"
                )
            return {"keep_tracks_apart": value.lower() == "apart"}
        if key == "grace":
            return {"grace_minutes": validation.whole_number("grace", value, 1, 60)}
        if key == "noshow_pause":
            return {"noshow_pause": validation.whole_number("noshow_pause", value, 0, 4)}
        if key in ("tz", "timezone"):
            return {"timezone": validation.timezone(value)}
        if key in ("organiser", "organizer"):
            if value.lower() in ("none", "off"):
                return {"organiser_role": None}
            return {"organiser_role": validation.group_id(value)}
        if key == "meet":
            if value.lower() not in ("window", "live"):
                raise BadInput(
                    "meet must be 'window' (each pair books a time in its window) or 'live' "
                    "(everyone meets at the round time)"
                )
            return {"meet": value.lower()}
        if key == "window":
            return {"window_days": validation.whole_number("window", value, 1, 14)}
        if key == "meeting":
            return {"meeting": validation.meeting_template(value)}
        if key == "voice":
            if value.lower() in ("none", "off"):
                return {"voice_category": None}
            return {"voice_category": validation.channel_ref(value, community, "voice")}
        if key == "reports":
            if value.lower() in ("none", "off"):
                return {"report_channel": None}
            return {"report_channel": validation.channel_ref(value, community)}
        raise BadInput(f"unknown setting '{validation.quote(key)}': {syntax.USAGE['config']}")


def config_message(cfg: CommunityConfig) -> OutMessage:
    slots = [
        f"{n}: {s.weekday} {s.time} ({s.timezone}) in {mention_channel(s.channel)}"
        + (" every other week" if s.every == 2 else "")
        for n, s in enumerate(cfg.slots, start=1)
    ]
    rows = (
        ("Weekly slots", "\n".join(slots) or "none (/mock schedule)"),
        ("Organiser role", cfg.organiser_role or "none: server admins only"),
        ("Round reports", mention_channel(cfg.report_channel) if cfg.report_channel else "off"),
        (
            "Intro / prep / feedback",
            f"{cfg.intro_minutes} / {cfg.prep_minutes} / {cfg.feedback_minutes} min",
        ),
        (
            "Answer",
            f"{cfg.answer_minutes} min" if cfg.answer_minutes else "each question's own time",
        ),
        ("Packs", ", ".join(cfg.packs) if cfg.packs else "all"),
        ("Level gap", str(cfg.level_gap)),
        ("Tracks", "apart" if cfg.keep_tracks_apart else "mixed"),
        ("Community timezone", cfg.timezone),
        (
            "Meeting",
            f"window: each pair books a time within {cfg.window_days} days"
            if cfg.meet == "window"
            else "live: everyone meets at the round time",
        ),
        ("Where pairs talk", _talk(cfg)),
        (
            "No-shows",
            f"reportable after {cfg.grace_minutes} min; "
            + (
                f"{cfg.noshow_pause} of the last 4 pause a member"
                if cfg.noshow_pause
                else "never pause"
            ),
        ),
    )
    return OutMessage(kind="info", title="Community settings", text="", fields=rows)


def _talk(cfg: CommunityConfig) -> str:
    if cfg.meeting:
        return f"a link from {cfg.meeting}"
    voice = " (in " + mention_channel(cfg.voice_category) + ")" if cfg.voice_category else ""
    return f"a private voice channel{voice} where the platform allows, else a meeting link"


def mention_channel(channel) -> str:
    return f"<#{channel.id}>" if channel.platform != "console" else f"#{channel.id}"
