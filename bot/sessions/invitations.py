"""Calendar invitations for a booked session, built with the icalendar library.

One UID per session, so a calendar updates its entry instead of adding another: each
booking raises SEQUENCE (a reschedule that books again is an update), and a session that
ends after its invitation went out sends a CANCEL with a higher SEQUENCE still.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from icalendar import Calendar, Event, vCalAddress, vText

from bot.messages import Attachment
from bot.model import Session

ORGANIZER = "mailto:noreply@mockround.invalid"  # calendars want one; nobody answers it


def uid(s: Session) -> str:
    """Stable across restarts and unique across communities."""
    scope = hashlib.blake2b(s.community.encode(), digest_size=6).hexdigest()
    return f"{s.id}.{scope}@mockround"


def invitation(
    s: Session,
    *,
    starts: datetime,
    length: timedelta,
    title: str,
    details: str,
    now: datetime,
    cancel: bool = False,
) -> Attachment:
    cal = Calendar()
    cal.add("prodid", "-//mockround//mock interviews//EN")
    cal.add("version", "2.0")
    cal.add("method", "CANCEL" if cancel else "REQUEST")
    event = Event()
    event.add("uid", uid(s))
    event.add("sequence", s.sequence)
    event.add("dtstamp", now)
    event.add("dtstart", starts)
    event.add("dtend", starts + length)
    event.add("summary", title)
    event.add("description", details)
    if s.place:
        event.add("location", vText(s.place))
        if s.place.startswith("https://"):
            event.add("url", s.place)
    organizer = vCalAddress(ORGANIZER)
    organizer.params["cn"] = vText("mockround")
    event.add("organizer", organizer)
    event.add("status", "CANCELLED" if cancel else "CONFIRMED")
    cal.add_component(event)
    name = "mock-interview-cancelled.ics" if cancel else "mock-interview.ics"
    method = "CANCEL" if cancel else "REQUEST"
    return Attachment(name, cal.to_ical(), f"text/calendar; method={method}")
