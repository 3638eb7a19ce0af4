"""Hostile text: long input quoted short, broken characters refused in one line (nothing
stored), forged buttons answered plainly, rich markup shown as typed on the console."""

from __future__ import annotations

import pytest

from bot import actions
from bot import commands as c
from tests.conftest import console_play, join, start_round, user


@pytest.mark.parametrize(
    "cmd",
    [
        c.Join(actor=user("ann"), level="x" * 100_000),
        c.Join(actor=user("ann"), timezone="Mars/" + "y" * 100_000),
        c.Configure(actor=user("ann"), is_admin=True, settings={"k" * 50_000: "1"}),
        c.Pause(actor=user("ann"), weeks="9" * 50_000),
    ],
)
async def test_error_answers_quote_at_most_a_hundred_characters(app, cmd):
    await join(app, "ann")
    reply = await app.service.handle(cmd)
    assert reply.error and len(reply.text) <= 400 and "\n" not in reply.text
    assert "x" * 101 not in reply.text and "y" * 101 not in reply.text


async def test_a_broken_character_in_a_comment_is_refused_and_nothing_is_stored(app):
    await join(app, "ann", "bob")
    await start_round(app)
    (s,) = await app.store.sessions_live("console:demo")
    for m in s.members:
        await app.service.handle(c.ConfirmReady(actor=m))
    await app.service.handle(c.EndPhase(actor=s.turns[0].candidate))
    rubric = app.bank.rubric_for(app.bank.question(s.turns[0].question_id))
    reply = await app.service.handle(
        c.SubmitRating(
            actor=s.turns[0].interviewer,
            session_id=s.id,
            turn=0,
            values={d.id: "4" for d in rubric.dimensions},
            comment="great \ud83d answer",
        )
    )
    assert reply.error and reply.text.startswith("the comment has a broken character")
    assert await app.store.session_ratings(s.id) == []


async def test_a_display_name_with_a_broken_character_is_mended(app):
    reply = await app.service.handle(c.Join(actor=user("zed"), actor_name="Z\udc00ed"))
    assert not reply.error
    assert (await app.store.get_member(user("zed"))).name == "Z?ed"


@pytest.mark.parametrize("forged", ["mr:done:x'; drop table", "mr:nope:1", "mr:" + "a" * 500])
async def test_a_forged_button_is_no_longer_valid(forged):
    with pytest.raises(c.BadInput, match="^that button is no longer valid"):
        actions.decode(forged, actor=user("ann"))


async def test_the_console_shows_markup_as_typed(clock, db_url, bank):
    app, _, play, out = await console_play(clock, db_url, bank)
    assert await play.line("alice: join tz=[/x]")
    assert await play.line("alice: join level=[bold]boss[/bold]")
    text = out.getvalue()
    assert "unknown timezone '[/x]'" in text and "unknown level '[bold]boss[/bold]'" in text
    await app.stop()
