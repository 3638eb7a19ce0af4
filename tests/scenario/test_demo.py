"""`mockround demo` runs a full round and prints what members saw, repeatably for a seed."""

from __future__ import annotations

import io

from rich.console import Console

from adapters.console.demo import run_demo


async def _demo(members: int, seed: int) -> tuple[str, object]:
    out = io.StringIO()
    chat = await run_demo(
        members=members, seed=seed, console=Console(file=out, width=100, highlight=False)
    )
    return out.getvalue(), chat


async def test_demo_runs_a_whole_round_and_ends_with_a_leaderboard():
    text, chat = await _demo(12, 7)
    kinds = [e.msg.kind for e in chat.entries]
    assert kinds.count("signup") == 1
    # six pairs; in two of them one member never comes, and the two stood up are rematched
    assert len(chat.spaces) == 7 and len(chat.closed) == 7
    assert (
        kinds.count("question") == 10
        and kinds.count("guide") == 10
        and kinds.count("feedback") == 10
    )
    assert text.count("did not come (recorded as a no-show)") == 2
    assert "presses Find me a partner" in text and "Paired! 2 of you" in text
    assert kinds.count("feedback_received") == 10 and "rates the feedback" in text
    assert "reacts" in text and "submits the form" in text
    assert "only organisers" in text and "unknown level 'principal'" in text
    assert "Leaderboard: all time" in text and "🥇" in text
    transcript, _, screen = text.partition("what Bilal saw")
    assert transcript.count("Session complete") == 5 and "Your sessions" in transcript
    # it ends with the member's status, their chart saved as a file, and the round report
    ending = screen.partition("status and progress")[2]
    assert "**Status of Bilal**" in ending and "your time now: " in ending
    assert "**Progress of Bilal**" in ending and "progress.png" in ending
    assert "**Round report: Tue 3 Mar 18:00 (UTC)**" in ending
    assert "Rematched after a no-show (2)" in ending and "participation.png" in ending
    charts = [p for p in chat.saved if p.suffix == ".png"]
    assert [p.name[4:] for p in charts][-2:] == ["progress.png", "participation.png"]
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in charts)
    assert screen.count("Session complete") == 1 and "(only you)" in screen


async def test_the_demo_round_is_booked_in_each_members_zone():
    text, chat = await _demo(12, 7)
    kinds = [e.msg.kind for e in chat.entries]
    # six pairs are proposed slots; the first pair books a counter-proposal, all book one
    assert kinds.count("booking") >= 12 and text.count("**Your mock interview: pick a time**") == 6
    assert "/mock propose 2026-03-" in text and text.count("**Booked**") == 6
    invitations = [p for p in chat.saved if p.suffix == ".ics"]
    assert len(invitations) == 6 and all(b"BEGIN:VCALENDAR" in p.read_bytes() for p in invitations)
    # times in each member's own zone, with the weekday; never bare UTC in a booking
    booking = next(e for e in chat.entries if e.msg.kind == "booking")
    assert booking.msg.zones and all(f"({z})" in booking.text for z in booking.msg.zones)
    assert any(len(e.msg.zones) == 2 for e in chat.entries if e.msg.kind == "booking")
    assert kinds.count("reminder") >= 6 and "starts in 15 minutes" in text
    # each session starts at its booked time with the intro
    for s_id in chat.spaces:
        if s_id == "space-7":
            continue  # the rematch meets at once
        booked = next(e for e in chat.entries if e.ref.channel == s_id and e.msg.title == "Booked")
        intro = next(
            e
            for e in chat.entries
            if e.ref.channel == s_id and e.msg.title == "Your mock interview"
        )
        assert intro.at > booked.at, s_id


async def test_an_odd_community_makes_one_trio_and_the_seed_repeats():
    first, chat = await _demo(5, 3)
    again, _ = await _demo(5, 3)
    sizes = sorted(len(members) for members in chat.spaces.values())
    assert sizes == [2, 3]
    assert first == again
