"""The ChatPort on the real AsyncWebClient against the fake: what the core's calls become in Slack."""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.slack.app import make_client
from adapters.slack.port import SlackChat
from bot.app.config import Settings
from bot.messages import SCORE_EMOJIS, OutMessage
from bot.model import ChannelRef, UserRef
from tests.fakes.slack_fake import FakeSlack


def port(fake: FakeSlack) -> SlackChat:
    return SlackChat(
        make_client(Settings(slack_bot_token=fake.bot_token, slack_api_url=fake.api_url))
    )


def user(uid: str) -> UserRef:
    return UserRef("slack", "T0MOCK", uid)


GUIDE = OutMessage(text="Only you see this: the follow-ups", kind="guide")


async def test_pair_space_is_a_group_dm_and_reused_for_the_same_members(fake: FakeSlack) -> None:
    chat = port(fake)
    space = await chat.open_pair_space(None, [user("UADA"), user("UBOB")], "Ada and Bob")
    again = await chat.open_pair_space(None, [user("UBOB"), user("UADA")], "Ada and Bob")
    assert space == again == ChannelRef("slack", "T0MOCK", space.id)
    assert fake.conversations[space.id].members == {"UADA", "UBOB", fake.bot_user}
    await chat.close_pair_space(space)
    assert fake.posts(space.id)[-1]["text"].startswith("This practice session is over")


async def test_send_adds_score_reactions_and_edit_updates(fake: FakeSlack) -> None:
    chat = port(fake)
    end = datetime(2026, 1, 5, 17, 30, tzinfo=UTC)
    ref = await chat.send(
        ChannelRef("slack", "T0MOCK", "CPRACTICE"),
        OutMessage(text="Feedback ends {deadline}", deadline=end, reactions=SCORE_EMOJIS),
    )
    stored = fake.messages[(ref.channel, ref.id)]
    assert stored["reactions"] == ["one", "two", "three", "four", "five"]
    assert stored["text"] == "Feedback ends 17:30 UTC"
    assert (
        f"<!date^{int(end.timestamp())}^{{time}}|17:30 UTC>" in stored["blocks"][0]["text"]["text"]
    )
    await chat.edit(ref, OutMessage(text="Feedback is over"))
    assert fake.messages[(ref.channel, ref.id)]["text"] == "Feedback is over"


async def test_send_to_a_user_opens_a_dm_once(fake: FakeSlack) -> None:
    chat = port(fake)
    first = await chat.send(user("UCY"), OutMessage(text="You sat out this round"))
    second = await chat.send(user("UCY"), OutMessage(text="Next week for sure"))
    assert first.channel == second.channel == fake.dm_channel("UCY")
    assert len(fake.calls_to("conversations.open")) == 1


async def test_private_message_is_ephemeral_in_the_space(fake: FakeSlack) -> None:
    chat = port(fake)
    space = await chat.open_pair_space(None, [user("UADA"), user("UBOB")], "pair")
    await chat.send_private(space, user("UADA"), GUIDE)
    assert [(e["channel"], e["user"]) for e in fake.ephemerals()] == [(space.id, "UADA")]
    assert fake.posts() == []


async def test_private_message_falls_back_to_a_dm_then_to_a_mention_never_silent(
    fake: FakeSlack,
) -> None:
    chat = port(fake)
    space = await chat.open_pair_space(None, [user("UADA"), user("UBOB")], "pair")
    outsider = user("UDEE")  # not in the group DM: Slack refuses the ephemeral message
    await chat.send_private(space, outsider, GUIDE)
    assert fake.calls_to("chat.postEphemeral", ok=False)
    assert fake.posts(fake.dm_channel("UDEE"))[-1]["text"] == GUIDE.text

    fake.refuse_dm.add("UCY")
    await chat.send_private(space, user("UCY"), GUIDE)
    note = fake.posts(space.id)[-1]
    assert note["blocks"][0]["text"]["text"].startswith("<@UCY> ")
    assert "follow-ups" not in note["text"], "the private content must not leak into the space"


async def test_a_resend_after_a_crash_finds_the_first_post_by_its_key(fake: FakeSlack) -> None:
    chat = port(fake)
    space = await chat.open_pair_space(None, [user("UADA"), user("UBOB")], "Ada and Bob")
    turn2 = OutMessage(text="Turn 2: answer", reactions=("4️⃣",))
    first = await chat.send(space, turn2, key="mr-outbox-7")
    await chat.send(space, OutMessage(text="later post"), key="mr-outbox-8")
    # the restarted bot does not know whether Slack took the post: it looks before sending
    again = await chat.send(space, turn2, key="mr-outbox-7", resend=True)
    assert again == first
    assert fake.texts(space.id) == ["Turn 2: answer", "later post"]
    # a delivery tried but never taken is posted
    sent = await chat.send(space, OutMessage(text="Time's up"), key="mr-outbox-9", resend=True)
    assert fake.texts(space.id)[-1] == "Time's up" and sent != first
    # the same for the closing note and for a DM
    await chat.close_pair_space(space, key="mr-outbox-10")
    await chat.close_pair_space(space, key="mr-outbox-10", resend=True)
    assert sum("session is over" in t for t in fake.texts(space.id)) == 1
    dm = await chat.send(user("UCY"), OutMessage(text="Your feedback"), key="mr-outbox-11")
    await chat.send(user("UCY"), OutMessage(text="Your feedback"), key="mr-outbox-11", resend=True)
    assert fake.texts(dm.channel) == ["Your feedback"]


async def test_a_resend_without_the_history_scope_posts_rather_than_loses(
    fake: FakeSlack,
) -> None:
    chat = port(fake)
    space = await chat.open_pair_space(None, [user("UADA"), user("UBOB")], "Ada and Bob")
    fake.fail("conversations.history", 200, error="missing_scope")
    await chat.send(space, OutMessage(text="Turn 1: prep"), key="mr-outbox-1", resend=True)
    assert fake.texts(space.id) == ["Turn 1: prep"]
