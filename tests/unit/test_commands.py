"""Text commands and button ids: what parses, and the one-line errors for what does not."""

from __future__ import annotations

import pytest

from bot import actions, syntax
from bot import commands as c
from bot.model import ChannelRef, UserRef

ME = UserRef("console", "w", "me")


def parse(text: str, **kw):
    return syntax.parse_text(text, actor=ME, **kw)


def test_join_by_keywords_or_position():
    assert parse("join track=coding level=senior tz=Asia/Tokyo") == c.Join(
        actor=ME, track="coding", level="senior", timezone="Asia/Tokyo"
    )
    assert parse("/mock join coding mid Europe/Berlin").timezone == "Europe/Berlin"
    assert parse("join timezone=UTC").timezone == "UTC"


def test_empty_text_is_help_and_simple_commands_parse():
    assert isinstance(parse(""), c.Help)
    assert isinstance(parse("now"), c.PairNow)
    assert isinstance(parse("noshow"), c.ReportNoShow)
    assert parse("pause 3") == c.Pause(actor=ME, weeks="3")
    assert parse("leaderboard month track=coding") == c.ShowLeaderboard(
        actor=ME, period="month", track="coding"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("xyzzy", "unknown command 'xyzzy': /mock help lists what you can do"),
        ("jion", "unknown command 'jion': did you mean join?"),
        ("join colour=red", "unknown option 'colour': accepted are track, level, tz"),
        ("join a b c d e", "too many values"),
        ("leave now", "'leave' takes no arguments"),
        ("round restart", "usage: round start|cancel"),
        ("schedule mon", "usage: schedule"),
        ("config prep", "config takes key=value pairs"),
        ('join track="coding', "could not read the command"),
        ("stats @nobody", "unknown member '@nobody'"),
    ],
)
def test_bad_text_gets_a_one_line_error(text, message):
    with pytest.raises(c.BadInput) as err:
        parse(text)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_schedule_resolves_its_channel():
    where = ChannelRef("console", "w", "mock")
    cmd = parse("schedule tue 18:00 tz=Europe/Berlin #mock", resolve_channel=lambda t: where)
    assert cmd == c.SetSchedule(
        actor=ME, weekday="tue", time="18:00", timezone="Europe/Berlin", target=where
    )


def test_button_ids_round_trip():
    assert actions.decode(actions.rate("r1-0", 1), actor=ME) == c.OpenRatingForm(
        actor=ME, session_id="r1-0", turn=1
    )
    assert actions.decode(actions.ready("r1-0"), actor=ME) == c.ConfirmReady(
        actor=ME, session_id="r1-0"
    )
    assert actions.decode(actions.join(), actor=ME) == c.Join(actor=ME)
    assert actions.decode(actions.done("r1-0", "answer:1"), actor=ME) == c.EndPhase(
        actor=ME, session_id="r1-0", phase_key="answer:1"
    )
    assert actions.decode(actions.rematch(), actor=ME) == c.PairNow(actor=ME)
    assert actions.submission(actions.form("r1-0", 2), {"a": "4"}, "ok", actor=ME) == (
        c.SubmitRating(actor=ME, session_id="r1-0", turn=2, values={"a": "4"}, comment="ok")
    )
    assert actions.submission(actions.feedback_form("r1-0", 0), {}, actor=ME).about == "feedback"
    for bad in ("mr:rate", "xx:done:1", "mr:done:a b", actions.form("s", 1), "mr:evil:'x'"):
        with pytest.raises(c.BadInput, match="no longer valid"):
            actions.decode(bad, actor=ME)
    with pytest.raises(c.BadInput):
        actions.submission(actions.rate("s", 1), {}, actor=ME)
