"""Window mode on Slack through the real bolt app and the fake: typed availability, slot
buttons, Slack date formatting in each reader's zone, a huddle as the place to talk, and
the booking's .ics uploaded to the pair's group DM with files_upload_v2."""

from __future__ import annotations

import icalendar

from bot.model import Phase
from tests.adapters.slack.harness import Harness


async def test_a_pair_books_a_slot_and_gets_the_invitation_as_a_file(http: Harness) -> None:
    fake = http.fake
    await http.mock("UADMIN", "config meet=window window=5")
    cfg = await http.core.store.get_config("slack:T0MOCK")
    assert (cfg.meet, cfg.window_days) == ("window", 5)
    for uid, tz in (("UADA", "Europe/Berlin"), ("UBOB", "Asia/Kolkata")):
        answer = await http.mock(uid, f"join track=behavioral level=mid tz={tz}")
        assert "days to book a time" in answer, answer
    answer = await http.mock("UADA", "availability daily 09:00-12:00, sat-sun 14:00-18:00")
    assert "Saved: you can meet" in answer and "Europe/Berlin" in answer, answer
    answer = await http.mock("UBOB", "availability tuesday 25:00-26:00")
    assert "unknown hours" in answer  # one line, nothing saved
    answer = await http.mock("UADMIN", "round start")
    assert "Round started" in answer, answer

    session = await http.session_of("UADA")
    assert session.phase is Phase.BOOKING and session.proposals
    space = session.space.id
    booking = fake.texts(space)[0]
    assert "huddle" in booking and "<!date^" in booking and "{at:" not in booking

    ts, action = http.button(space, f"mr:accept:{session.id}:")
    for uid in ("UADA", "UBOB"):
        said = await http.click(uid, action, channel=space, ts=ts)
        assert "no longer valid" not in said, said
    session = await http.core.store.get_session(session.id)
    assert session.phase is Phase.BOOKED

    uploads = [u for u in fake.uploads.values() if u.get("channel") == space]
    assert [u["filename"] for u in uploads] == ["mock-interview.ics"], fake.uploads
    cal = icalendar.Calendar.from_ical(uploads[0]["data"])
    event = next(iter(cal.walk("VEVENT")))
    assert event.decoded("dtstart") == session.starts_at and int(event["sequence"]) == 1
