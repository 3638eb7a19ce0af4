"""Join, pair and rate over Socket Mode: envelopes through the fake's websocket, acks back."""

from __future__ import annotations

from bot.model import Phase
from tests.adapters.slack.harness import Harness


async def test_join_pair_and_rate_over_socket_mode(socket_mode: Harness) -> None:
    h, fake = socket_mode, socket_mode.fake
    assert fake.calls_to("apps.connections.open"), (
        "the app asked for a websocket URL with its app token"
    )
    for uid in ("UCY", "UDEE"):
        assert "joined" in await h.mock(uid, "join track=behavioral level=senior tz=Asia/Tokyo")
    await h.mock("UCY", "now")
    assert "Paired" in await h.mock("UDEE", "now")
    assert all(ack.get("envelope_id") for ack in fake.acks.values())

    session = await h.session_of("UCY")
    (space,) = fake.group_dms()
    assert session.space.id == space.id and space.members == {"UCY", "UDEE", fake.bot_user}

    session = await h.ready_all(session)
    interviewer = session.turns[0].interviewer.id
    assert [e["user"] for e in fake.ephemerals()] == [interviewer]
    while session.phase is not Phase.FEEDBACK:
        session = await h.end_phase(session.id)

    ts, rate = h.button(space.id, f"mr:rate:{session.id}:0")
    await h.react(interviewer, "five", channel=space.id, ts=ts)
    assert [(r.overall, r.source) for r in await h.core.store.session_ratings(session.id)] == [
        (5, "reaction")
    ]

    await h.click(interviewer, rate, channel=space.id, ts=ts)
    view = h.last_view()
    dimensions = [b["block_id"] for b in view["blocks"] if b["element"]["type"] == "static_select"]
    ack = await h.submit(interviewer, view, dict.fromkeys(dimensions, "2"))
    assert ack.body is None  # the modal closes
    # the form replaces the quick score: one rating per turn, rater and ratee
    assert [(r.overall, r.source) for r in await h.core.store.session_ratings(session.id)] == [
        (2, "form")
    ]
