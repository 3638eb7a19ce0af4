"""The text syntax shared by the console and Slack: ``/mock join track=coding level=mid``.

Words become the neutral commands of ``bot.commands``; a word that is not understood
gets one line saying what is accepted (with the nearest command, when one is close).
"""

from __future__ import annotations

import difflib
import re
import shlex
from collections.abc import Callable

from bot.commands import (
    AcceptSlot,
    BadInput,
    CancelRound,
    Command,
    Configure,
    ConfirmReady,
    EndPhase,
    ExportData,
    ForgetMe,
    Help,
    Join,
    Leave,
    OpenFeedbackForm,
    OpenRatingForm,
    PairNow,
    Pause,
    PracticeQuestion,
    ProposeTime,
    RemoveMember,
    ReportNoShow,
    Reschedule,
    Resume,
    SetAvailability,
    SetPrivacy,
    SetSchedule,
    ShowGuide,
    ShowHistory,
    ShowLeaderboard,
    ShowMembers,
    ShowRoundReport,
    ShowStats,
    ShowStatus,
    StartRound,
    quote,
)
from bot.model import ChannelRef, UserRef

# the USAGE entries only admins (or the community's organiser role) may use
ADMIN_USAGE = ("schedule", "round", "config", "members", "remove")

USAGE: dict[str, str] = {
    "join": "join [track=<track>] [level=junior|mid|senior] [tz=<zone or city>] [slot=<n>]",
    "status": "status",
    "leave": "leave",
    "pause": "pause <weeks 1-12>",
    "resume": "resume",
    "now": "now",
    "question": "question [track=<track>] [level=junior|mid|senior]",
    "rate": "rate",
    "ratefeedback": "ratefeedback",
    "history": "history",
    "ready": "ready",
    "done": "done",
    "guide": "guide",
    "noshow": "noshow",
    "leaderboard": "leaderboard [week|month|all] [track=<track>]",
    "stats": "stats [@member]",
    "privacy": "privacy [leaderboard=show|hide] [stats=public|private]",
    "help": "help [command]",
    "availability": "availability <days> <HH:MM-HH:MM>[, ...] (your own time), e.g. "
    "mon-fri 18:00-22:00, sat 10:00-14:00",
    "accept": "accept <slot number>",
    "propose": "propose <mon..sun or YYYY-MM-DD> <HH:MM> (your own time)",
    "reschedule": "reschedule",
    "export": "export [me] [csv|json]",
    "forget": "forget me [confirm]",
    "schedule": "schedule <mon..sun> <HH:MM> [tz=<zone>] [channel] [slot=<n>] [every=1|2]",
    "round": "round start|cancel|report",
    "members": "members [page]",
    "remove": "remove @member",
    "config": "config [prep=<min>] [answer=<min>|question] [feedback=<min>] [intro=<min>] "
    "[packs=<id,id>|all] [level_gap=0|1|2] [tracks=apart|mixed] [tz=<Area/City>] "
    "[grace=<min>] [noshow_pause=0-4] [organiser=<role>] [reports=<channel>] "
    "[meet=window|live] [window=<days 1-14>] [meeting=<link with {session}>|none] "
    "[voice=<category>|none]",
}


def _split(words: list[str], keys: tuple[str, ...]) -> dict[str, str]:
    """`a=1 b=2` or positional words in the order of ``keys``."""
    out: dict[str, str] = {}
    positional = iter(keys)
    for word in words:
        if "=" in word:
            key, _, value = word.partition("=")
            key = {"timezone": "tz"}.get(key.lower(), key.lower())
            if key not in keys:
                raise BadInput(f"unknown option '{quote(key)}': accepted are {', '.join(keys)}")
            out[key] = value
        else:
            key = next((k for k in positional if k not in out), None)
            if key is None:
                raise BadInput(f"too many values: expected at most {', '.join(keys)}")
            out[key] = word
    return out


def parse_text(
    text: str,
    *,
    actor: UserRef,
    actor_name: str = "",
    is_admin: bool = False,
    channel: ChannelRef | None = None,
    resolve_member: Callable[[str], UserRef | None] = lambda token: None,
    resolve_channel: Callable[[str], ChannelRef | None] = lambda token: None,
) -> Command:
    """Parse ``join track=coding level=mid`` (what follows ``/mock``) into a command."""
    ctx = dict(actor=actor, actor_name=actor_name, is_admin=is_admin, channel=channel)
    plain = re.sub(r"\s+", " ", text.strip().lower().replace("’", "'")).removeprefix("/mock ")
    if plain.rstrip("!. ") in HERE_PHRASES:
        return ConfirmReady(**ctx)
    try:
        words = shlex.split(text.strip())
    except ValueError as exc:
        raise BadInput(f"could not read the command: {exc}") from None
    if not words:
        return Help(**ctx)
    name, rest = words[0].lower().lstrip("/"), words[1:]
    if name == "mock":
        if not rest:
            return Help(**ctx)
        name, rest = rest[0].lower(), rest[1:]
    name = ALIASES.get(name, name)
    if name == "join":
        a = _split(rest, ("track", "level", "tz", "slot"))
        return Join(
            **ctx,
            track=a.get("track"),
            level=a.get("level"),
            timezone=a.get("tz"),
            slot=a.get("slot"),
        )
    if name == "pause":
        if len(rest) == 2 and rest[1].lower() in ("week", "weeks", "wk", "wks"):
            rest = rest[:1]  # "pause 2 weeks"
        if len(rest) == 1 and re.fullmatch(r"\d+w", rest[0].lower()):
            rest = [rest[0][:-1]]  # "pause 2w"
        return Pause(**ctx, weeks=_split(rest, ("weeks",)).get("weeks", "1"))
    if name == "help":
        if len(rest) > 1:
            raise BadInput(f"usage: {USAGE['help']}")
        return Help(**ctx, topic=ALIASES.get(rest[0].lower(), rest[0].lower()) if rest else None)
    if name == "privacy":
        a = _split(rest, ("leaderboard", "stats"))
        return SetPrivacy(**ctx, leaderboard=a.get("leaderboard"), stats=a.get("stats"))
    if name == "members":
        return ShowMembers(**ctx, page=_split(rest, ("page",)).get("page", "1"))
    if name == "remove":
        who = _split(rest, ("member",)).get("member")
        member = resolve_member(who) if who else None
        if member is None:
            raise BadInput(f"usage: {USAGE['remove']} (mention the member)")
        return RemoveMember(**ctx, member=member)
    if name == "question":
        a = _split(rest, ("track", "level"))
        return PracticeQuestion(**ctx, track=a.get("track"), level=a.get("level"))
    if name == "leaderboard":
        a = _split(rest, ("period", "track"))
        return ShowLeaderboard(**ctx, period=a.get("period", "week"), track=a.get("track"))
    if name == "stats":
        who = _split(rest, ("member",)).get("member")
        member = None
        if who is not None:
            member = resolve_member(who)
            if member is None:
                raise BadInput(f"unknown member '{quote(who)}': mention a member, e.g. stats @name")
        return ShowStats(**ctx, member=member)
    if name == "schedule":
        a = _split(rest, ("weekday", "time", "tz", "channel", "slot", "every"))
        if "weekday" not in a or "time" not in a:
            raise BadInput(f"usage: {USAGE['schedule']}")
        target = None
        if "channel" in a:
            target = resolve_channel(a["channel"])
            if target is None:
                raise BadInput(f"unknown channel '{quote(a['channel'])}': mention a channel")
        return SetSchedule(
            **ctx,
            weekday=a["weekday"],
            time=a["time"],
            timezone=a.get("tz", "UTC"),
            target=target,
            slot=a.get("slot", 1),
            every=a.get("every", 1),
        )
    if name == "round":
        sub = rest[0].lower() if rest else ""
        if sub == "start" and len(rest) == 1:
            return StartRound(**ctx)
        if sub == "cancel" and len(rest) == 1:
            return CancelRound(**ctx)
        if sub == "report" and len(rest) == 1:
            return ShowRoundReport(**ctx)
        raise BadInput(f"usage: {USAGE['round']}")
    if name == "availability":
        return SetAvailability(**ctx, text=" ".join(rest) or None)
    if name == "accept":
        if len(rest) != 1:
            raise BadInput(f"usage: {USAGE['accept']}")
        return AcceptSlot(**ctx, number=rest[0])
    if name == "propose":
        if len(rest) != 2:
            raise BadInput(f"usage: {USAGE['propose']}")
        return ProposeTime(**ctx, day=rest[0], time=rest[1])
    if name == "export":
        words = [w.lower() for w in rest]
        unknown = [w for w in words if w not in ("me", "csv", "json")]
        if unknown or len(words) > 2:
            raise BadInput(f"usage: {USAGE['export']}")
        form = "json" if "json" in words else "csv"
        return ExportData(**ctx, whose="me" if "me" in words else "community", form=form)
    if name == "forget":
        words = [w.lower() for w in rest]
        if not words or words[0] != "me" or words[1:] not in ([], ["confirm"]):
            raise BadInput(f"usage: {USAGE['forget']}: it forgets you, and only you")
        return ForgetMe(**ctx, confirmed=words[1:] == ["confirm"])
    if name == "config":
        settings: dict[str, str] = {}
        for word in rest:
            key, sep, value = word.partition("=")
            if not sep or not value:
                raise BadInput(f"config takes key=value pairs: {USAGE['config']}")
            settings[key.lower()] = value
        return Configure(**ctx, settings=settings)
    simple: dict[str, type[Command]] = {
        "leave": Leave,
        "now": PairNow,
        "rate": OpenRatingForm,
        "ratefeedback": OpenFeedbackForm,
        "history": ShowHistory,
        "ready": ConfirmReady,
        "done": EndPhase,
        "guide": ShowGuide,
        "noshow": ReportNoShow,
        "status": ShowStatus,
        "resume": Resume,
        "reschedule": Reschedule,
    }
    if name in simple:
        if rest:
            raise BadInput(f"'{quote(name)}' takes no arguments: {USAGE[name]}")
        return simple[name](**ctx)
    raise BadInput(unknown_command(name))


HERE_PHRASES = ("i'm here", "im here", "i am here", "here")
ALIASES = {
    "avail": "availability",
    "unpause": "resume",
    "back": "resume",
    "me": "status",
    "lb": "leaderboard",
}


def unknown_command(name: str) -> str:
    shown = quote(name, 30)
    close = difflib.get_close_matches(name, [*USAGE, *ALIASES], n=1, cutoff=0.6)
    if close:
        return f"unknown command '{shown}': did you mean {ALIASES.get(close[0], close[0])}? (/mock help)"
    return f"unknown command '{shown}': /mock help lists what you can do"
