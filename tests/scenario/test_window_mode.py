"""Window mode through the console, with a fake clock: members in six zones book times
inside their availability, across a daylight-saving change; proposals, counter-proposals,
reschedules, invitations, reminders, nudges and a pair that never books."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar

from bot import availability
from bot import commands as c
from bot.model import Phase
from bot.sessions.invitations import uid
from bot.sessions.machine import Cancelled
from tests.conftest import CHANNEL, advance, user

# Thursday 22 Oct 2026: the six-day window crosses Europe's change to winter time (Sun 25th)
START = datetime(2026, 10, 22, 12, 0, tzinfo=UTC)
PEOPLE = {
    "ana": ("Europe/Berlin", "daily 19:00-21:00"),
    "ben": ("Europe/London", "daily 18:00-21:00"),
    "cho": ("Asia/Tokyo", "mon-fri 07:00-09:00, sat-sun 09:00-12:00"),
    "dev": ("Australia/Sydney", "daily 08:00-10:00"),
    "eli": ("America/New_York", "mon-fri 12:00-14:00, sat 10:00-16:00"),
    "fay": ("America/Chicago", "mon-fri 11:00-15:00"),
}


async def say(app, who: str, cmd_type, **kw):
    return await app.service.handle(cmd_type(actor=user(who), actor_name=who.title(), **kw))


async def window_round(app, clock, people=PEOPLE):
    clock.set(START)
    r = await say(app, "admin", c.Configure, is_admin=True, settings={"meet": "window"})
    assert not r.error, r.text
    for name, (tz, free) in people.items():
        r = await say(app, name, c.Join, track="behavioral", level="mid", timezone=tz)
        assert not r.error and "days to book a time" in r.text, r.text
        r = await say(app, name, c.SetAvailability, text=free)
        assert not r.error and tz in r.text, r.text
    r = await say(app, "admin", c.StartRound, is_admin=True, channel=CHANNEL)
    assert not r.error, r.text
    rnd = await app.store.latest_round("console:demo")
    return await app.store.round_sessions(rnd.id)


def _free_for_all(s, length, members_tz):
    for p in s.proposals:
        for m in s.members:
            tz, free = members_tz[m.id]
            spans = availability.intervals(availability.parse(free), tz, p.at, p.at + length)
            assert spans == [(p.at, p.at + length)], (m.id, p.at, spans)


async def test_pairs_get_slots_inside_everyones_availability_across_a_dst_change(app, clock):
    sessions = await window_round(app, clock)
    # six members, three pairs, each paired with someone who shares free hours
    assert sorted(len(s.members) for s in sessions) == [2, 2, 2]
    cfg = await app.store.get_config("console:demo")
    for s in sessions:
        assert s.phase is Phase.BOOKING
        assert s.window_ends_at == START + timedelta(days=6)
        assert 1 <= len(s.proposals) <= 3, s
        length = app.practice.timings(s, cfg).whole
        _free_for_all(s, length, PEOPLE)
        assert s.place and s.place.startswith("https://meet.jit.si/mockround-")
    # Berlin's evening is 17:00 UTC before the change and 18:00 UTC after it
    berlin = next(s for s in sessions if user("ana") in s.members)
    local = [p.at.astimezone(ZoneInfo("Europe/Berlin")) for p in berlin.proposals]
    assert all(19 <= t.hour < 21 for t in local), local
    utc_hours = {p.at.hour for p in berlin.proposals}
    assert len(utc_hours) > 1, "a window across the change books both offsets"
    # every member reads the slots in their own zone, with the weekday
    post = app.chat.last("booking", berlin.space.id)
    assert "Europe/Berlin" in post.text and "Europe/London" in post.text
    assert "UTC)" not in post.text and "T1" not in post.text  # never bare UTC or ISO


async def test_accepting_books_a_slot_with_an_invitation_reminders_and_the_session(app, clock):
    sessions = await window_round(app, clock)
    s = next(s for s in sessions if user("ana") in s.members)
    first, second = s.members
    # a slot more than a day ahead, so both reminders come
    n = next(n for n, p in enumerate(s.proposals, 1) if p.at - clock.now() > timedelta(hours=25))
    r = await say(app, first.id, c.AcceptSlot, number=n)
    assert "1 more" in r.text
    r = await say(app, second.id, c.AcceptSlot, number=str(n), session_id=s.id)
    assert r.text.startswith("Booked for ") and PEOPLE[second.id][0] in r.text, r.text
    s = await app.store.get_session(s.id)
    assert s.phase is Phase.BOOKED and s.starts_at == s.proposals[n - 1].at

    status = (await say(app, first.id, c.ShowStatus)).message
    line = dict(status.fields)["Session"]
    assert "starts " in line and f"({PEOPLE[first.id][0]})" in line, line
    booked = app.chat.last("booking", s.space.id)
    assert booked.msg.files and booked.msg.files[0].name.endswith(".ics")
    cal = icalendar.Calendar.from_ical(booked.msg.files[0].data)
    event = next(iter(cal.walk("VEVENT")))
    assert event.decoded("dtstart") == s.starts_at
    assert str(event["uid"]) == uid(s) and int(event["sequence"]) == 1
    assert str(cal["method"]) == "REQUEST" and s.place in str(event["location"])

    # reminders at 24 hours and 15 minutes before, then the intro at the booked time
    before = s.starts_at - clock.now()
    await advance(app, clock, (before - timedelta(hours=24, minutes=1)).total_seconds() / 60)
    assert not [e for e in app.chat.entries if e.msg.kind == "reminder"]
    await advance(app, clock, 2)
    tomorrow = app.chat.last("reminder", s.space.id)
    assert "tomorrow" in tomorrow.text and tomorrow.at == s.starts_at - timedelta(hours=24)
    await advance(app, clock, (timedelta(hours=24) - timedelta(minutes=16)).total_seconds() / 60)
    soon = app.chat.last("reminder", s.space.id)
    assert "in 15 minutes" in soon.text and soon.at == s.starts_at - timedelta(minutes=15)
    await advance(app, clock, 16)
    s = await app.store.get_session(s.id)
    assert s.phase is Phase.INTRO and s.phase_started_at == s.starts_at
    welcome = app.chat.last("timer", s.space.id)
    assert "I'm here" in welcome.text and s.place in welcome.text


async def test_counter_proposal_and_reschedule_update_the_same_calendar_entry(app, clock):
    sessions = await window_round(app, clock)
    s = next(s for s in sessions if user("ana") in s.members)
    a, b = s.members
    a_tz = PEOPLE[a.id][0]
    # a proposes Tuesday 20:00 in their own zone; b accepts it with its number
    r = await say(app, a.id, c.ProposeTime, day="tue", time="20:00")
    assert not r.error and "Tue 27 Oct 20:00" in r.text, r.text
    s = await app.store.get_session(s.id)
    number = len(s.proposals)
    expected = datetime(2026, 10, 27, 20, 0, tzinfo=ZoneInfo(a_tz)).astimezone(UTC)
    assert s.proposals[-1].at == expected
    await say(app, b.id, c.AcceptSlot, number=number)
    s = await app.store.get_session(s.id)
    assert s.phase is Phase.BOOKED and s.starts_at == expected

    r = await say(app, b.id, c.Reschedule)
    assert "open again" in r.text
    s = await app.store.get_session(s.id)
    assert s.phase is Phase.BOOKING and all(not p.accepted for p in s.proposals)
    r = await say(app, a.id, c.ProposeTime, day="2026-10-26", time="19:30")
    s = await app.store.get_session(s.id)
    await say(app, b.id, c.AcceptSlot, number=len(s.proposals))
    s = await app.store.get_session(s.id)
    assert s.sequence == 2
    cal = icalendar.Calendar.from_ical(app.chat.last("booking", s.space.id).msg.files[0].data)
    event = next(iter(cal.walk("VEVENT")))
    assert str(event["uid"]) == uid(s) and int(event["sequence"]) == 2
    assert event.decoded("dtstart") == datetime(2026, 10, 26, 19, 30, tzinfo=ZoneInfo(a_tz))

    # cancelling a booked session sends the calendar a CANCEL with a higher SEQUENCE
    await app.practice.apply(s.id, Cancelled(a))
    cancel = next(e for e in reversed(app.chat.entries) if e.msg.files)
    cal = icalendar.Calendar.from_ical(cancel.msg.files[0].data)
    assert str(cal["method"]) == "CANCEL"
    assert int(next(iter(cal.walk("VEVENT")))["sequence"]) == 3


async def test_bad_booking_input_is_one_line_and_changes_nothing(app, clock):
    sessions = await window_round(app, clock)
    s = next(s for s in sessions if user("ana") in s.members)
    a = s.members[0]
    cases = [
        (c.SetAvailability, {"text": "someday 10-12"}, "unknown days"),
        (c.AcceptSlot, {"number": "9"}, "slot must be a whole number from 1 to 8"),
        (c.AcceptSlot, {"number": "5"}, "there is no slot 5"),
        (c.ProposeTime, {"day": "fri", "time": "25:00"}, "unknown time"),
        (c.ProposeTime, {"day": "2026-12-24", "time": "10:00"}, "too little of this round's"),
        (c.ProposeTime, {"day": "someday", "time": "10:00"}, "unknown day"),
        (c.Reschedule, {}, "nothing is booked yet"),
        (c.ConfirmReady, {}, "starts once a time is booked"),
    ]
    for kind, kw, expected in cases:
        r = await say(app, a.id, kind, **kw)
        assert r.error and expected in r.text and "\n" not in r.text, (kind, r.text)
    assert await app.store.get_session(s.id) == s


async def test_a_pair_that_never_books_is_nudged_then_closed(app, clock):
    sessions = await window_round(app, clock)
    quiet = next(s for s in sessions if user("ana") in s.members)
    silent = next(s for s in sessions if user("cho") in s.members)
    a = quiet.members[0]
    await say(app, a.id, c.AcceptSlot, number=1)  # one answers; the other never does
    for m in quiet.members[1:]:
        await say(app, m.id, c.ProposeTime, day="2026-10-27", time="07:00")  # both answered
    await advance(app, clock, 48 * 60 + 1)
    assert app.chat.last("reminder", silent.space.id).at == START + timedelta(hours=48)
    await advance(app, clock, 6 * 24 * 60)
    quiet = await app.store.get_session(quiet.id)
    silent = await app.store.get_session(silent.id)
    if quiet.phase is not Phase.BOOKED:
        assert quiet.phase is Phase.NOT_MET and not quiet.absent
    assert silent.phase is Phase.NO_SHOW and silent.absent == set(silent.members)
    assert "never answered" in app.chat.last("info", silent.space.id).text
    # did-not-meet is not a no-show: nobody's reliability suffers for the quiet pair
    seen = await app.store.attendance_of("console:demo", [m.id for m in quiet.members])
    assert all(a.no_shows == 0 for a in seen.values())


async def test_a_member_who_shares_no_hour_with_anyone_is_told_why(app, clock):
    people = dict(PEOPLE)
    people["gus"] = ("Pacific/Honolulu", "sun 02:00-03:00")
    sessions = await window_round(app, clock, people)
    assert all(user("gus") not in s.members for s in sessions)
    told = [e.text for e in app.chat.entries if e.where == "DM" and "gus" in e.audience]
    assert any("shares no hour" in t for t in told), told


async def test_a_live_round_shows_its_time_in_each_zone_with_a_warning_at_night(app, clock):
    clock.set(START)
    await say(app, "admin", c.Configure, is_admin=True, settings={"meet": "live"})
    r = await say(
        app, "admin", c.SetSchedule, is_admin=True, channel=CHANNEL, weekday="tue", time="18:00"
    )
    assert not r.error, r.text
    r = await say(app, "ana", c.Join, timezone="Europe/Berlin")
    assert "Tue 27 Oct 19:00 (Europe/Berlin)" in r.text and "⚠️" not in r.text, r.text
    r = await say(app, "cho", c.Join, timezone="Asia/Tokyo")
    assert "Wed 28 Oct 03:00 (Asia/Tokyo)" in r.text and "outside 08:00-22:00" in r.text


async def test_now_pairs_members_whose_availability_never_meets(app, clock):
    """Both asked for a partner at this moment: an on-demand pair meets now, whatever the
    hours each set for weekly rounds."""
    clock.set(START)
    r = await say(app, "admin", c.Configure, is_admin=True, settings={"meet": "window"})
    assert not r.error, r.text
    for name in ("cho", "fay"):  # Tokyo mornings, Chicago midday: no hour in common
        tz, free = PEOPLE[name]
        await say(app, name, c.Join, track="behavioral", level="mid", timezone=tz)
        await say(app, name, c.SetAvailability, text=free)
    r = await say(app, "cho", c.PairNow, channel=CHANNEL)
    assert "queue" in r.text, r.text
    r = await say(app, "fay", c.PairNow, channel=CHANNEL)
    assert not r.error and r.text.startswith("Paired!"), r.text
    s = await app.practice.current_session(user("cho"))
    assert s is not None and user("fay") in s.members
