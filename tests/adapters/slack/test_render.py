"""Neutral content to Slack shapes, checked without a server."""

from __future__ import annotations

import socket
from datetime import UTC, datetime

import pytest

from adapters.slack import render
from bot.messages import SCORE_EMOJIS, Button, Choice, Field, Form, OutMessage
from bot.model import UserRef
from tests.adapters.slack import guard
from tests.adapters.slack.guard import OffLoopback


def test_deadline_becomes_slack_date_markup_with_utc_fallback() -> None:
    end = datetime(2026, 1, 5, 17, 5, tzinfo=UTC)
    msg = OutMessage(text="Answer until {deadline} <go>", deadline=end)
    assert (
        render.mrkdwn(msg)
        == f"Answer until <!date^{int(end.timestamp())}^{{time}}|17:05 UTC> &lt;go&gt;"
    )
    assert render.fallback_text(msg) == "Answer until 17:05 UTC &lt;go&gt;"


def test_mentions_buttons_and_fields_render_as_block_kit() -> None:
    rows = tuple((f"{i}. Member {i}", f"{5 - i / 10:.1f}") for i in range(12))
    msg = OutMessage(
        text="Board",
        title="Leaderboard",
        fields=rows,
        buttons=(Button("mr:rate:s1:0", "Rate", "primary"), Button("mr:done:s1", "Done")),
        mentions=(UserRef("slack", "T1", "UADA"),),
        kind="leaderboard",
    )
    out = render.blocks(msg)
    assert [b["type"] for b in out] == ["header", "section", "section", "section", "actions"]
    assert out[1]["text"]["text"] == "<@UADA> Board"
    assert len(out[2]["fields"]) == 10 and len(out[3]["fields"]) == 2
    assert out[2]["fields"][0]["text"] == "*0. Member 0*\n5.0"
    assert out[4]["elements"][0] == {
        "type": "button",
        "action_id": "mr:rate:s1:0",
        "text": {"type": "plain_text", "text": "Rate"},
        "style": "primary",
    }
    assert "style" not in out[4]["elements"][1]


def test_form_becomes_modal_and_submission_comes_back() -> None:
    scores = tuple(Choice(str(n), f"{n} - level {n}") for n in range(1, 6))
    form = Form(
        "mr:form:s1:0",
        "Rate the candidate's answer in full",
        (
            Field("structure", "Structure", choices=scores),
            Field("comment", "Comment", kind="text", required=False),
        ),
    )
    view = render.modal(form, '{"channel": "G1"}')
    assert view["callback_id"] == "mr:form:s1:0" and len(view["title"]["text"]) <= 24
    assert [b["block_id"] for b in view["blocks"]] == ["structure", "comment"]
    assert view["blocks"][1]["optional"] is True
    state = {
        "structure": {"structure": {"type": "static_select", "selected_option": {"value": "4"}}},
        "comment": {"comment": {"type": "plain_text_input", "value": "clear"}},
    }
    assert render.submitted_values({"state": {"values": state}}) == ({"structure": "4"}, "clear")


def test_score_emoji_names_round_trip() -> None:
    assert [render.emoji_name(e) for e in SCORE_EMOJIS] == ["one", "two", "three", "four", "five"]
    assert render.emoji_from_name("four") == SCORE_EMOJIS[3]
    assert render.emoji_from_name("+1::skin-tone-2") == "👍"
    assert render.emoji_from_name("parrot") == ":parrot:"


def test_guard_refuses_addresses_off_this_machine() -> None:
    with socket.socket() as s, pytest.raises(OffLoopback):
        s.connect(("93.184.216.34", 80))
    assert guard.refused == ["93.184.216.34"]
    guard.refused.clear()  # this refusal was the point of the test
