"""Your data: an organiser's community export as CSV and JSON, a member's own export, and
forgetting a member (confirmed first), which keeps only anonymous counts."""

from __future__ import annotations

import csv
import io
import json

from bot import actions
from bot import commands as c
from tests.conftest import advance, join, start_round, user


async def a_rated_round(app, clock):
    await join(app, "ann", "bob")
    await start_round(app)
    (s,) = await app.store.sessions_live("console:demo")
    for m in s.members:
        await app.service.handle(c.ConfirmReady(actor=m))
    t = s.turns[0]
    for _ in range(2):  # the candidate ends prep and answer: feedback
        await app.service.handle(c.EndPhase(actor=t.candidate))
    form = (await app.service.handle(c.OpenRatingForm(actor=t.interviewer))).form
    values = {f.id: "4" for f in form.fields if f.kind == "select"}
    sub = actions.submission(form.form_id, values, "Clear and calm answer", actor=t.interviewer)
    assert not (await app.service.handle(sub)).error
    return s


async def test_an_organiser_exports_the_community_and_a_member_their_own(app, clock):
    s = await a_rated_round(app, clock)
    refused = await app.service.handle(c.ExportData(actor=user("ann")))
    assert refused.error and "/mock export me" in refused.text

    reply = await app.service.handle(c.ExportData(actor=user("admin"), is_admin=True))
    files = {f.name.split("-")[0]: f for f in reply.message.files}
    assert set(files) == {"members", "sessions", "ratings"}
    members = list(csv.DictReader(io.StringIO(files["members"].data.decode())))
    assert sorted(m["user_id"] for m in members) == ["ann", "bob"]
    ratings = list(csv.DictReader(io.StringIO(files["ratings"].data.decode())))
    assert ratings[0]["comment"] == "Clear and calm answer" and ratings[0]["session_id"] == s.id

    mine = await app.service.handle(c.ExportData(actor=user("bob"), whose="me", form="json"))
    (f,) = mine.message.files
    data = json.loads(f.data)
    assert [m["user_id"] for m in data["members"]] == ["bob"]
    assert [x["id"] for x in data["sessions"]] == [s.id]
    assert all("bob" in (r["rater"], r["ratee"]) for r in data["ratings"])
    bad = await app.service.handle(c.ExportData(actor=user("bob"), whose="me", form="xml"))
    assert bad.error and "csv or json" in bad.text


async def test_forgetting_asks_first_then_keeps_only_anonymous_counts(app, clock):
    s = await a_rated_round(app, clock)
    t = s.turns[0]
    busy = await app.service.handle(c.ForgetMe(actor=t.candidate))
    assert busy.error and "in a session" in busy.text
    await advance(app, clock, 120)  # the session ends
    ask = await app.service.handle(c.ForgetMe(actor=t.candidate))
    assert ask.message and ask.message.buttons[0].action_id == actions.forget()
    assert (await app.store.get_member(t.candidate)).name != "a former member"  # not yet

    press = actions.decode(ask.message.buttons[0].action_id, actor=t.candidate)
    done = await app.service.handle(press)
    assert not done.error and "1 comment" in done.text, done.text
    m = await app.store.get_member(t.candidate)
    assert m.name == "a former member" and m.availability is None and m.status == "left"
    ratings = await app.store.session_ratings(s.id)
    assert ratings and all(r.comment == "" for r in ratings)
    assert [r.overall for r in ratings if r.about == "answer"] == [4]  # the count stays
