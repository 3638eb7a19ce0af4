"""`mockround run discord slack`: one real process, one core and one database serve the
Discord fake and the Slack fake (HTTP mode) at once; each community stays on its own
platform, and SIGTERM stops both cleanly."""

from __future__ import annotations

from bot.model import Phase
from bot.storage.sql import SqlStore
from tests.adapters.bot_process import BotProcess, eventually
from tests.adapters.discord.test_discord_kills import DiscordDriver
from tests.adapters.slack.conftest import practice_workspace
from tests.adapters.slack.test_slack_kills import SlackDriver
from tests.fakes.discord_fake import FakeDiscord


async def live_sessions(store: SqlStore, community: str):
    return [s for s in await store.sessions_live(community) if s.phase is Phase.INTRO]


async def test_one_process_serves_discord_and_slack(tmp_path) -> None:
    discord_fake = await FakeDiscord().start()
    slack_fake = await practice_workspace()
    db = tmp_path / "mockround.db"
    on_discord = DiscordDriver(discord_fake, db)
    on_slack = SlackDriver(slack_fake, db, "http")
    both = BotProcess(
        "discord slack",
        {**on_discord.bot.env, **on_slack.bot.env},
        "connected to Discord as",
    )
    on_discord.bot = on_slack.bot = both
    try:
        await both.start()
        await on_discord.join_all()
        await on_slack.join_all()
        await on_discord.start_round()
        await on_slack.start_round()
        # each community's pairs meet on its own platform, from the one database
        for driver in (on_discord, on_slack):
            sessions = await eventually(
                lambda d=driver: live_sessions(d.store, d.community), f"{driver.community} sessions"
            )
            assert {m.platform for s in sessions for m in s.members} == {
                driver.community.split(":")[0]
            }
        await eventually(lambda: len(discord_fake.threads()) == 2, "two Discord threads")
        await eventually(lambda: len(slack_fake.group_dms()) == 2, "two Slack group DMs")
        assert await both.terminate() == 0
        assert not [line for line in both.lines if "Traceback" in line], both.lines[-20:]
    finally:
        await both.kill()
        await on_discord.store.close()
        await on_slack.store.close()
        await discord_fake.stop()
        await slack_fake.close()
