"""What the bot understands of what people type: table-driven, input -> meaning or the
one-line answer that says what is accepted."""

from __future__ import annotations

import pytest

from bot import commands as c
from bot import syntax, timezones
from bot.help_text import HELP, help_message
from bot.model import UserRef

ME = UserRef("console", "w", "me")


@pytest.mark.parametrize(
    ("typed", "zone", "note"),
    [
        ("Europe/Berlin", "Europe/Berlin", ""),
        ("europe/berlin", "Europe/Berlin", ""),
        ("EUROPE/BERLIN", "Europe/Berlin", ""),
        ("Berlin", "Europe/Berlin", "Berlin understood as Europe/Berlin"),
        ("new york", "America/New_York", "understood as America/New_York"),
        ("Sao_Paulo", "America/Sao_Paulo", "understood"),
        ("PST", "America/Los_Angeles", "with its daylight saving"),
        ("est", "America/New_York", "with its daylight saving"),
        ("CET", "Europe/Berlin", "daylight saving"),
        ("JST", "Asia/Tokyo", ""),
        ("GMT+2", "Etc/GMT-2", "UTC+2 all year"),
        ("UTC-3", "Etc/GMT+3", "UTC-3 all year"),
        ("utc+5:30", "Asia/Kolkata", "UTC+5:30 understood as Asia/Kolkata"),
        ("UTC+05:45", "Asia/Kathmandu", ""),
        ("UTC−2", "Etc/GMT+2", ""),  # a typographic minus
        ("Etc/GMT+2", "Etc/GMT+2", "is UTC−2"),
        ("UTC", "UTC", ""),
        ("gmt+0", "UTC", ""),
    ],
)
def test_time_zones_people_type(typed, zone, note):
    got = timezones.parse(typed)
    assert got.name == zone
    assert note in got.note


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("IST", "IST can mean Asia/Kolkata (India), Europe/Dublin (Ireland)"),
        ("CST", "CST can mean America/Chicago (US Central), Asia/Shanghai (China)"),
        ("Berln", "(did you mean Europe/Berlin?)"),
        ("Americ", "(for example America/Adak, America/Anchorage"),
        ("Mars/Base", "unknown timezone 'Mars/Base': use an IANA name (Europe/Berlin), a city"),
        ("UTC+15", "not an offset in use: UTC-12 to UTC+14"),
        ("UTC+4:15", "no zone keeps UTC+4:15"),
        ("", "timezone is required"),
        ("x" * 500, "…"),
    ],
)
def test_time_zones_refused_with_what_is_accepted(typed, answer):
    with pytest.raises(c.BadInput) as err:
        timezones.parse(typed)
    assert answer in str(err.value) and "\n" not in str(err.value)
    assert len(str(err.value)) < 220


def test_zone_suggestions_for_a_prefix():
    assert timezones.suggestions("berl")[0] == "Europe/Berlin"
    assert "America/New_York" in timezones.suggestions("new")


def parse(text: str) -> c.Command:
    return syntax.parse_text(
        text, actor=ME, resolve_member=lambda t: UserRef("console", "w", "bob")
    )


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("pause 2 weeks", c.Pause(actor=ME, weeks="2")),
        ("pause 3w", c.Pause(actor=ME, weeks="3")),
        ("pause 1 week", c.Pause(actor=ME, weeks="1")),
        ("resume", c.Resume(actor=ME)),
        ("unpause", c.Resume(actor=ME)),
        ("I'm here", c.ConfirmReady(actor=ME)),
        ("i’m here!", c.ConfirmReady(actor=ME)),
        ("I am here", c.ConfirmReady(actor=ME)),
        ("/mock I'm here", c.ConfirmReady(actor=ME)),
        ("/mock", c.Help(actor=ME)),
        ("", c.Help(actor=ME)),
        ("help join", c.Help(actor=ME, topic="join")),
        ("status", c.ShowStatus(actor=ME)),
        (
            "privacy leaderboard=hide stats=private",
            c.SetPrivacy(actor=ME, leaderboard="hide", stats="private"),
        ),
        ("members 2", c.ShowMembers(actor=ME, page="2")),
        ("remove @bob", c.RemoveMember(actor=ME, member=UserRef("console", "w", "bob"))),
        ("round report", c.ShowRoundReport(actor=ME)),
        ("join slot=2", c.Join(actor=ME, slot="2")),
        (
            "schedule wed 02:00 tz=Asia/Tokyo slot=2 every=2",
            c.SetSchedule(
                actor=ME, weekday="wed", time="02:00", timezone="Asia/Tokyo", slot="2", every="2"
            ),
        ),
    ],
)
def test_what_members_type_is_understood(typed, meant):
    assert parse(typed) == meant


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("jion", "unknown command 'jion': did you mean join?"),
        ("statuss", "did you mean status?"),
        ("leaderbord", "did you mean leaderboard?"),
        ("xyzzy", "unknown command 'xyzzy': /mock help lists what you can do"),
        ("resume now", "'resume' takes no arguments"),
        ("help a b", "usage: help [command]"),
        ("remove", "usage: remove @member"),
    ],
)
def test_typos_get_a_suggestion(typed, answer):
    with pytest.raises(c.BadInput) as err:
        parse(typed)
    assert answer in str(err.value)


def test_help_gives_every_command_a_line_and_lists_the_tracks():
    assert set(HELP) == set(syntax.USAGE)
    member = help_message(False, ("behavioral", "coding"))
    assert "Tracks: behavioral, coding" in member.text
    assert all(desc for _, desc in member.fields)
    assert not any("remove" in name for name, _ in member.fields)
    organiser = help_message(True, ("coding",))
    assert any(name == "/mock remove" and "(organisers)" in d for name, d in organiser.fields)


def test_help_for_one_command_has_details_and_an_example():
    msg = help_message(False, ("coding",), "pause")
    assert msg.title == "/mock pause <weeks 1-12>"
    assert dict(msg.fields)["Example"] == "/mock pause 2 weeks"
    with pytest.raises(c.BadInput, match="did you mean join"):
        help_message(False, ("coding",), "jon")


def test_the_console_plays_on_a_sandbox_unless_a_database_is_named(tmp_path):
    from adapters.console.runner import sandbox
    from bot.app.config import load_settings

    settings, said, temporary = sandbox(load_settings(), None)
    assert settings.database_url.endswith("/console.db") and "a sandbox" in said
    assert settings.database_url != load_settings().database_url and temporary is None
    named = load_settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'real.db'}")
    assert sandbox(named, None)[0].database_url == named.database_url
    memory, said, temporary = sandbox(load_settings(), "memory")
    assert said == "in memory (gone at exit)" and temporary is not None
    chosen, said, _ = sandbox(load_settings(), str(tmp_path / "mine.db"))
    assert chosen.database_url == f"sqlite+aiosqlite:///{tmp_path / 'mine.db'}"
