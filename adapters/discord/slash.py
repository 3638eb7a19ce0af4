"""The ``/mock`` slash command group: one typed subcommand per core command.

Values go to the core as typed; the core validates them, so Discord and Slack refuse
the same bad input with the same message. Track choices come from the loaded packs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import discord
from discord import app_commands

from adapters.discord.answers import Answers
from bot import commands as c
from bot import timezones
from bot.model import LEVELS, PERIODS, WEEKDAYS, ChannelRef, UserRef

Choice = app_commands.Choice
CHOICES_MAX = 25  # Discord's limit per option


async def timezone_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[Choice[str]]:
    """Zones whose name or city starts with what was typed (the core understands more:
    abbreviations and UTC offsets typed in full are accepted too)."""
    hits = timezones.suggestions(current, CHOICES_MAX) if current.strip() else ["UTC"]
    return [Choice(name=z, value=z) for z in hits[:CHOICES_MAX]]


def _choices(values: Sequence[str]) -> list[Choice[str]]:
    return [Choice(name=v, value=v) for v in values[:CHOICES_MAX]]


def _with_choices(**lists: Sequence[str]) -> Callable:
    """``app_commands.choices`` without the options that have nothing to offer."""
    given = {name: _choices(values) for name, values in lists.items() if values}
    return app_commands.choices(**given) if given else (lambda fn: fn)


def build_group(answers: Answers, tracks: Sequence[str]) -> app_commands.Group:
    group = app_commands.Group(
        name="mock", description="Peer mock-interview practice", guild_only=True
    )
    tracks = list(tracks)

    @group.command(name="join", description="Opt in to weekly mock-interview pairing")
    @app_commands.describe(
        track="What you want to practise",
        level="Your level",
        timezone="Your time zone: a city, Area/City, PST or UTC+2",
        slot="The weekly slot you take part in (if the community has several)",
    )
    @_with_choices(track=tracks, level=LEVELS)
    async def join(
        interaction: discord.Interaction,
        track: str | None = None,
        level: str | None = None,
        timezone: str | None = None,
        slot: int | None = None,
    ) -> None:
        await answers.command(
            interaction,
            c.Join,
            track=track,
            level=level,
            timezone=timezone,
            slot=str(slot) if slot is not None else None,
        )

    join.autocomplete("timezone")(timezone_autocomplete)

    @group.command(name="status", description="My settings, my time now, the next round")
    async def status(interaction: discord.Interaction) -> None:
        await answers.command(interaction, c.ShowStatus)

    @group.command(name="resume", description="End my pause now")
    async def resume(interaction: discord.Interaction) -> None:
        await answers.command(interaction, c.Resume)

    # Discord allows 25 subcommands in a group: what members choose about their data shares one
    data = app_commands.Group(name="data", description="My privacy and my data", parent=group)

    @data.command(name="privacy", description="Hide me from the leaderboard, keep my stats")
    @app_commands.describe(leaderboard="show or hide me", stats="public or private")
    @_with_choices(leaderboard=("show", "hide"), stats=("public", "private"))
    async def privacy(
        interaction: discord.Interaction, leaderboard: str | None = None, stats: str | None = None
    ) -> None:
        await answers.command(interaction, c.SetPrivacy, leaderboard=leaderboard, stats=stats)

    @data.command(name="export", description="Download data: mine, or (organisers) the community's")
    @app_commands.describe(whose="me, or community (organisers)", form="csv or json")
    @_with_choices(whose=("me", "community"), form=("csv", "json"))
    async def export(
        interaction: discord.Interaction, whose: str = "me", form: str = "csv"
    ) -> None:
        await answers.command(interaction, c.ExportData, whose=whose, form=form)

    @data.command(name="forget", description="Delete my name, availability and comments")
    async def forget(interaction: discord.Interaction) -> None:
        await answers.command(interaction, c.ForgetMe)

    @group.command(name="members", description="Organisers: the member list")
    async def members(interaction: discord.Interaction, page: int = 1) -> None:
        await answers.command(interaction, c.ShowMembers, page=page)

    @group.command(name="remove", description="Organisers: take a member out of the rounds")
    async def remove(interaction: discord.Interaction, member: discord.Member) -> None:
        who = UserRef("discord", str(interaction.guild_id), str(member.id))
        await answers.command(interaction, c.RemoveMember, member=who)

    @group.command(name="leave", description="Stop being paired")
    async def leave(interaction: discord.Interaction) -> None:
        await answers.command(interaction, c.Leave)

    @group.command(name="pause", description="Skip the next rounds")
    @app_commands.describe(weeks="How many weeks to sit out (1-12)")
    async def pause(
        interaction: discord.Interaction, weeks: app_commands.Range[int, 1, 12] = 1
    ) -> None:
        await answers.command(interaction, c.Pause, weeks=weeks)

    @group.command(name="now", description="Find me a partner now")
    async def now(interaction: discord.Interaction) -> None:
        await answers.command(interaction, c.PairNow)

    @group.command(name="question", description="Show me a practice question")
    @app_commands.describe(track="Question track", level="Question level")
    @_with_choices(track=tracks, level=LEVELS)
    async def question(
        interaction: discord.Interaction, track: str | None = None, level: str | None = None
    ) -> None:
        await answers.command(interaction, c.PracticeQuestion, track=track, level=level)

    @group.command(name="rate", description="Open the rating form for my latest session")
    async def rate(interaction: discord.Interaction) -> None:
        await answers.command(interaction, c.OpenRatingForm, opens_form=True)

    @group.command(name="ratefeedback", description="Rate the feedback I received")
    async def ratefeedback(interaction: discord.Interaction) -> None:
        await answers.command(interaction, c.OpenFeedbackForm, opens_form=True)

    @group.command(name="ready", description="Confirm I am here for my session")
    async def ready(interaction: discord.Interaction) -> None:
        await answers.command(interaction, c.ConfirmReady)

    @group.command(name="done", description="End the current phase early")
    async def done(interaction: discord.Interaction) -> None:
        await answers.command(interaction, c.EndPhase)

    @group.command(name="guide", description="Interviewer: show this turn's guide again, privately")
    async def guide(interaction: discord.Interaction) -> None:
        await answers.command(interaction, c.ShowGuide)

    @group.command(name="noshow", description="Report that my partner did not show up")
    async def noshow(interaction: discord.Interaction) -> None:
        await answers.command(interaction, c.ReportNoShow)

    @group.command(name="history", description="My past sessions, scores and comments")
    async def history(interaction: discord.Interaction) -> None:
        await answers.command(interaction, c.ShowHistory)

    @group.command(name="leaderboard", description="Show the leaderboard")
    @app_commands.describe(period="Which period", track="Only this track")
    @_with_choices(period=PERIODS, track=tracks)
    async def leaderboard(
        interaction: discord.Interaction, period: str | None = None, track: str | None = None
    ) -> None:
        await answers.command(interaction, c.ShowLeaderboard, period=period or "week", track=track)

    @group.command(name="stats", description="Show practice stats")
    @app_commands.describe(member="Whose stats (default: yours)")
    async def stats(interaction: discord.Interaction, member: discord.Member | None = None) -> None:
        who = UserRef("discord", str(interaction.guild_id), str(member.id)) if member else None
        await answers.command(interaction, c.ShowStats, member=who)

    @group.command(name="help", description="How mockround works, or one command in detail")
    @app_commands.describe(command="A command to explain, with an example")
    async def help_(interaction: discord.Interaction, command: str | None = None) -> None:
        await answers.command(interaction, c.Help, topic=command.lower() if command else None)

    @group.command(name="schedule", description="Admins: set the weekly round")
    @app_commands.describe(
        weekday="Day of the round",
        time="Time of day, HH:MM (24 h)",
        timezone="Time zone of that time (default UTC)",
        channel="Where the signup post and threads go (default: here)",
    )
    @_with_choices(weekday=WEEKDAYS)
    async def schedule(
        interaction: discord.Interaction,
        weekday: str,
        time: str,
        timezone: str = "UTC",
        channel: discord.TextChannel | None = None,
        slot: int = 1,
        every: int = 1,
    ) -> None:
        target = (
            ChannelRef("discord", str(interaction.guild_id), str(channel.id)) if channel else None
        )
        await answers.command(
            interaction,
            c.SetSchedule,
            weekday=weekday,
            time=time,
            timezone=timezone,
            target=target,
            slot=slot,
            every=every,
        )

    schedule.autocomplete("timezone")(timezone_autocomplete)

    @group.command(name="round", description="Admins: start or cancel a round now")
    @app_commands.describe(action="start, cancel, or report (the last round's report)")
    @_with_choices(action=("start", "cancel", "report"))
    async def round_(interaction: discord.Interaction, action: str) -> None:
        builds = {"start": c.StartRound, "cancel": c.CancelRound, "report": c.ShowRoundReport}
        build = builds.get(action) or _bad(
            f"unknown action '{action}': use start, cancel or report"
        )
        await answers.command(interaction, build)

    @group.command(name="availability", description="When I can meet, in my own time")
    @app_commands.describe(ranges="e.g. mon-fri 18:00-22:00, sat 10:00-14:00 (empty: show mine)")
    async def availability(interaction: discord.Interaction, ranges: str | None = None) -> None:
        await answers.command(interaction, c.SetAvailability, text=ranges)

    # Discord allows 25 subcommands in a group: booking's three share one subgroup
    book = app_commands.Group(name="book", description="Book my session's time", parent=group)

    @book.command(name="accept", description="Accept a proposed slot (or press its button)")
    async def accept(interaction: discord.Interaction, slot: int) -> None:
        await answers.command(interaction, c.AcceptSlot, number=str(slot))

    @book.command(name="propose", description="Offer my partner another time, in my own zone")
    @app_commands.describe(day="mon..sun, today, tomorrow or YYYY-MM-DD", time="HH:MM")
    async def propose(interaction: discord.Interaction, day: str, time: str) -> None:
        await answers.command(interaction, c.ProposeTime, day=day, time=time)

    @book.command(name="reschedule", description="Reopen booking (until an hour before)")
    async def reschedule(interaction: discord.Interaction) -> None:
        await answers.command(interaction, c.Reschedule)

    @group.command(name="config", description="Admins: show or change the settings")
    @app_commands.describe(
        prep="Prep minutes",
        answer="Answer minutes, or 'question' for each question's own",
        feedback="Feedback minutes",
        intro="Minutes to confirm before a session starts",
        packs="Question packs: id,id or all",
        level_gap="How far apart levels may be",
        tracks="Pair across tracks or keep them apart",
        timezone="The community's time zone (weeks, streaks)",
        grace="Minutes before a no-show can be reported",
        noshow_pause="No-shows in the last 4 sessions that pause a member (0: never)",
        organiser="A role whose members run the organiser commands",
        reports="Where round reports go",
        meet="window: each pair books a time in its window; live: all at the round time",
        window="Window mode: days a pair has to meet (1-14)",
        meeting="A meeting link with {session}, e.g. https://meet.jit.si/mockround-{session}",
        voice="The category pair voice channels go in",
    )
    @_with_choices(level_gap=("0", "1", "2"), tracks=("apart", "mixed"), meet=("window", "live"))
    async def config(
        interaction: discord.Interaction,
        prep: int | None = None,
        answer: str | None = None,
        feedback: int | None = None,
        intro: int | None = None,
        packs: str | None = None,
        level_gap: str | None = None,
        tracks: str | None = None,
        timezone: str | None = None,
        grace: int | None = None,
        noshow_pause: int | None = None,
        organiser: discord.Role | None = None,
        reports: discord.TextChannel | None = None,
        meet: str | None = None,
        window: int | None = None,
        meeting: str | None = None,
        voice: discord.CategoryChannel | None = None,
    ) -> None:
        given = dict(
            meet=meet,
            window=window,
            meeting=meeting,
            voice=voice.id if voice else None,
            grace=grace,
            noshow_pause=noshow_pause,
            organiser=organiser.id if organiser else None,
            reports=reports.id if reports else None,
            prep=prep,
            answer=answer,
            feedback=feedback,
            intro=intro,
            packs=packs,
            level_gap=level_gap,
            tracks=tracks,
            tz=timezone,
        )
        settings = {k: str(v) for k, v in given.items() if v is not None}
        await answers.command(interaction, c.Configure, settings=settings)

    config.autocomplete("timezone")(timezone_autocomplete)
    return group


def _bad(message: str) -> Callable[..., c.Command]:
    def refuse(**_: object) -> c.Command:
        raise c.BadInput(message)

    return refuse
