"""Help that teaches: a line per command, and details with an example on request."""

from __future__ import annotations

from collections.abc import Sequence

from bot import commands as c
from bot import syntax
from bot.messages import OutMessage
from bot.model import LEVELS

# name -> (what it does in one line, more detail, an example)
HELP: dict[str, tuple[str, str, str]] = {
    "join": (
        "sign up, or change your track, level and time zone",
        "Tracks are the kinds of interview you practise; the level decides whom you meet "
        "(within the community's level gap). Time zones: an IANA name, a city, an "
        "abbreviation like PST, or UTC+2.",
        "/mock join track=system-design level=senior tz=Berlin",
    ),
    "status": (
        "your settings, your local time, the next round and your session's next step",
        "Everything the bot knows about you, in your own time zone.",
        "/mock status",
    ),
    "leave": (
        "stop taking part (your history is kept)",
        "You are no longer paired; /mock join brings you back with your history.",
        "/mock leave",
    ),
    "pause": (
        "skip rounds for 1 to 12 weeks",
        "You keep your place and come back by yourself when the pause ends, or earlier "
        "with /mock resume.",
        "/mock pause 2 weeks",
    ),
    "availability": (
        "say when you can meet, in your own time",
        "Several ranges, each days then hours; hours past midnight are fine (22:00-01:00). "
        "In window mode the bot pairs you with someone who shares those hours and proposes "
        "times inside them. Until you set it: mon-fri 18:00-22:00, sat-sun 09:00-21:00. "
        "Without a range it shows yours.",
        "/mock availability mon-fri 18:00-22:00, sat 10:00-14:00",
    ),
    "accept": (
        "accept a proposed time for your session (or press its button)",
        "The first slot everyone in the pair accepted is booked: each of you gets a "
        "calendar invitation and reminders 24 hours and 15 minutes before.",
        "/mock accept 2",
    ),
    "propose": (
        "offer your partner another time, in your own time zone",
        "A weekday means the next one inside the round's window; a date works too. "
        "Your partner accepts it to book it.",
        "/mock propose thu 19:30",
    ),
    "reschedule": (
        "reopen booking for your booked session (until an hour before it starts)",
        "The slots still ahead are offered again; propose another time if none fits. "
        "The calendar entry is updated when a new time is booked.",
        "/mock reschedule",
    ),
    "export": (
        "download data as CSV or JSON: the community's (organisers) or your own (me)",
        "Organisers get the members, sessions and ratings of the community; anyone gets "
        "their own with `me`: profile, sessions, ratings given and received, comments.",
        "/mock export me json",
    ),
    "forget": (
        "delete your name, availability and every comment to or from you",
        "Asks you to confirm first. Sessions and scores stay as anonymous counts, so the "
        "board and reports stay right; you leave the rounds and the board.",
        "/mock forget me",
    ),
    "resume": ("end a pause now", "You are paired again from the next round.", "/mock resume"),
    "now": (
        "get paired at once with whoever else is waiting",
        "You wait up to 2 hours for someone else to type /mock now; the two of you get a "
        "private space at once.",
        "/mock now",
    ),
    "question": (
        "a solo practice question, with its guide behind a button",
        "Answer aloud, then press Show the guide to check yourself.",
        "/mock question track=coding level=junior",
    ),
    "ready": (
        'say you are here for your session ("I\'m here")',
        "The session starts when everyone is here; whoever is not when the intro ends is "
        "recorded as a no-show.",
        "/mock ready",
    ),
    "done": (
        "end the current phase early",
        "The candidate ends prep and answer, the interviewer ends the feedback; anyone "
        "else's press asks them.",
        "/mock done",
    ),
    "guide": (
        "interviewer: this turn's guide again, privately",
        "What good looks like, follow-ups, red flags and the rubric's anchors.",
        "/mock guide",
    ),
    "noshow": (
        "report a partner who has not come",
        "Only after the grace period of the intro; it is recorded against whoever did not "
        "press I'm here, and you are offered a rematch.",
        "/mock noshow",
    ),
    "rate": (
        "interviewer: the full rubric form for this turn",
        "A quick 1-5 reaction on the feedback message works too; the form never gets "
        "replaced by a reaction.",
        "/mock rate",
    ),
    "ratefeedback": (
        "candidate: rate the feedback you received",
        "1 to 5 and a note for your interviewer, shown in their stats.",
        "/mock ratefeedback",
    ),
    "history": (
        "your past sessions: partners, questions, scores and comments",
        "The last ten sessions, newest first, in your time zone.",
        "/mock history",
    ),
    "leaderboard": (
        "the community's board for a week, a month or all time",
        "Scores are averages adjusted for how generous each rater is, plus taking part.",
        "/mock leaderboard month coding",
    ),
    "stats": (
        "your progress, with a chart (or a member's, if they share it)",
        "Scores per rubric dimension over your sessions and sessions per week.",
        "/mock stats",
    ),
    "privacy": (
        "hide yourself from the leaderboard, or keep your stats to yourself",
        "Both are shown by default.",
        "/mock privacy leaderboard=hide stats=private",
    ),
    "help": ("this list, or one command in detail", "", "/mock help join"),
    "schedule": (
        "set a weekly round slot: day, time, zone and channel",
        "A community can have several slots (each its own channel); members pick theirs "
        "with /mock join slot=<n>. every=2 runs a slot every other week.",
        "/mock schedule tue 18:00 tz=Europe/Berlin #mock-interviews",
    ),
    "round": (
        "start or cancel a round now",
        "A round pairs every active member; cancel stops its sessions.",
        "/mock round start",
    ),
    "config": (
        "community settings: phase lengths, packs, pairing, organiser role, report channel",
        "Without arguments it shows the current settings.",
        "/mock config prep=3 feedback=7 grace=10",
    ),
    "members": (
        "the member list: status, attendance, last session",
        "Twenty members a page.",
        "/mock members 2",
    ),
    "remove": (
        "take a member out of the rounds",
        "Their history stays; they can /mock join again.",
        "/mock remove @member",
    ),
}


def help_message(is_admin: bool, tracks: Sequence[str], topic: str | None = None) -> OutMessage:
    if topic is not None:
        return _topic(topic, is_admin)
    rows = [
        (f"/mock {name}", HELP[name][0] + (" (organisers)" if name in syntax.ADMIN_USAGE else ""))
        for name in syntax.USAGE
        if is_admin or name not in syntax.ADMIN_USAGE
    ]
    text = (
        "Practice mock interviews with a peer: join, get paired, take turns as interviewer "
        f"and candidate, and rate each other. Tracks: {', '.join(tracks)}. "
        f"Levels: {', '.join(LEVELS)}. /mock help <command> shows details and an example."
    )
    return OutMessage(kind="info", title="mockround commands", text=text, fields=tuple(rows))


def _topic(topic: str, is_admin: bool) -> OutMessage:
    if topic not in HELP:
        raise c.BadInput(syntax.unknown_command(topic))
    line, details, example = HELP[topic]
    who = " Organisers only." if topic in syntax.ADMIN_USAGE else ""
    return OutMessage(
        kind="info",
        title=f"/mock {syntax.USAGE[topic]}",
        text=f"{line[0].upper()}{line[1:]}.{who} {details}".strip(),
        fields=(("Example", example),),
    )
