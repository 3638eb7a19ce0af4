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
    assert "**Status of Bilal**" in ending and "your time now: Wed" in ending
    assert "**Progress of Bilal**" in ending and "progress.png" in ending
    assert "**Round report: Tue 3 Mar 18:00 (UTC)**" in ending
    assert "Rematched after a no-show (2)" in ending and "participation.png" in ending
    assert [p.name for p in chat.saved][-2:] == ["002-progress.png", "003-participation.png"]
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in chat.saved)
    assert screen.count("Session complete") == 1 and "(only you)" in screen


async def test_an_odd_community_makes_one_trio_and_the_seed_repeats():
    first, chat = await _demo(5, 3)
    again, _ = await _demo(5, 3)
    sizes = sorted(len(members) for members in chat.spaces.values())
    assert sizes == [2, 3]
    assert first == again
