"""`mockround run console`: one person types as several members through a whole turn."""

from __future__ import annotations

from bot.model import Phase
from tests.conftest import console_play


async def test_typing_as_several_members_runs_a_session(clock, db_url, bank):
    app, chat, play, out = await console_play(clock, db_url, bank)
    for line in (
        "alice: /mock join track=coding level=mid tz=Europe/Berlin",
        "bob: join coding mid Asia/Tokyo",
        "bob: round start",
        "admin: round start",
        "alice: ready",
        "bob: ready",
        "tick 2",  # prep runs out
        "alice: done",  # the answer ends early
    ):
        assert await play.line(line)
    (s,) = await app.store.round_sessions((await app.store.latest_round("console:local")).id)
    assert s.phase is Phase.FEEDBACK
    interviewer = s.turns[0].interviewer.id
    await play.line(f"{interviewer}: react 4")
    await play.line(f"{interviewer}: rate")
    dims = [f.id for f in play.forms[interviewer].fields if f.kind == "select"]
    await play.line(f"{interviewer}: submit {dims[0]}=9")  # refused: the form stays open
    values = " ".join(f"{d}=5" for d in dims)
    await play.line(f'{interviewer}: submit {values} comment="clear and calm"')
    await play.line("nonsense")
    assert not await play.line("quit")
    text = out.getvalue()
    assert "only organisers" in text and "Round started: 1 session." in text
    assert "Rating saved: 4/5" in text and "Rating updated: 5/5" in text
    assert "choose a score from 1 to 5, not 9" in text
    assert "type  name: command" in text and "Time's up for prep" in text
    (r,) = await app.store.session_ratings(s.id)
    assert (r.overall, r.comment, r.source) == (5, "clear and calm", "form")
    await app.stop()
