"""The core's ChatPort on the Slack Web API.

One bot token serves one workspace, so refs' ``workspace`` is the team id the
token belongs to; the client is shared with the bolt app.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import render
from adapters.slack.errors import api_error
from bot.messages import OutMessage
from bot.model import ChannelRef, MessageRef, UserRef
from bot.ports import Capabilities, VoiceRoom

log = logging.getLogger(__name__)

PLATFORM = "slack"
METADATA_EVENT = "mockround_delivery"
# a delivery is resent right after the restart that follows its crash; a pair's space
# holds a few posts per phase, so the latest hundred reach back far enough
HISTORY_LOOKBACK = 100
CLOSING_NOTE = (
    "This practice session is over. Thanks for practising! This conversation stays for your notes."
)


class SlackChat:
    # no live countdowns in Slack: the core posts at checkpoints instead
    capabilities = Capabilities(
        private_spaces=True,
        live_timestamps=False,
        ephemeral_in_space=True,
        max_form_fields=5,
        huddles=True,  # a group DM can hold a huddle: the pair talks where it writes
    )

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self._dm_channels: dict[str, str] = {}  # user id -> DM channel id: one lookup per member

    async def _dm(self, user: UserRef) -> str:
        channel = self._dm_channels.get(user.id)
        if channel is None:
            resp = await self.client.conversations_open(users=user.id)
            channel = self._dm_channels[user.id] = resp["channel"]["id"]
        return channel

    async def send(
        self,
        to: ChannelRef | UserRef,
        msg: OutMessage,
        *,
        key: str | None = None,
        resend: bool = False,
    ) -> MessageRef:
        channel = await self._dm(to) if isinstance(to, UserRef) else to.id
        if key and resend and (ts := await self._already_posted(channel, key)):
            # a crash cut off Slack's answer to the first try: that post stands, with its
            # reactions (adding one twice is harmless); files go only with a new post
            ref = MessageRef(PLATFORM, to.workspace, channel, ts)
            if msg.reactions:
                await self.add_reactions(ref, msg.reactions)
            return ref
        kwargs = dict(
            channel=channel,
            text=render.fallback_text(msg),
            blocks=render.blocks(msg),
            unfurl_links=False,
        )
        if key:
            # the delivery's key rides in the message, for _already_posted to find after a crash
            kwargs["metadata"] = {"event_type": METADATA_EVENT, "event_payload": {"key": key}}
        try:
            resp = await self.client.chat_postMessage(**kwargs)
        except SlackApiError as exc:
            if isinstance(to, UserRef) or _error(exc) != "not_in_channel":
                raise
            # an admin scheduled rounds in a public channel the bot was never invited to:
            # join it (private channels still need an /invite) and post again
            await self.client.conversations_join(channel=channel)
            resp = await self.client.chat_postMessage(**kwargs)
        ref = MessageRef(PLATFORM, to.workspace, resp["channel"], resp["ts"])
        if msg.reactions:
            await self.add_reactions(ref, msg.reactions)
        await self._upload(resp["channel"], msg)
        return ref

    async def _already_posted(self, channel: str, key: str) -> str | None:
        """The ts of the bot's recent post in ``channel`` carrying ``key``, if there is one."""
        try:
            resp = await self.client.conversations_history(
                channel=channel, limit=HISTORY_LOOKBACK, include_all_metadata=True
            )
        except SlackApiError as exc:
            # without the history scope a resend may repeat a post; it is never lost
            log.warning("could not read %s to find delivery %s (%s)", channel, key, _error(exc))
            return None
        for message in resp.get("messages", []):
            meta = message.get("metadata") or {}
            if meta.get("event_type") == METADATA_EVENT and (
                (meta.get("event_payload") or {}).get("key") == key
            ):
                return message.get("ts")
        return None

    async def _upload(self, channel: str, msg: OutMessage) -> None:
        """Files (a chart, an invitation) follow the message in the same conversation."""
        for f in msg.files:
            await self.client.files_upload_v2(
                channel=channel, content=f.data, filename=f.name, title=f.name
            )

    async def upload_to(self, user: UserRef, msg: OutMessage) -> None:
        await self._upload(await self._dm(user), msg)

    async def open_voice(
        self,
        category: ChannelRef | None,
        users: Sequence[UserRef],
        title: str,
        *,
        reopening: bool = False,
    ) -> VoiceRoom | None:
        return None  # Slack has no voice channels: the pair's group DM holds a huddle

    async def close_voice(self, channel: ChannelRef) -> None:
        return None

    def capabilities_for(self, platform: str) -> Capabilities:
        return self.capabilities

    async def in_group(self, user: UserRef, group: str) -> bool:
        try:
            resp = await self.client.usergroups_users_list(usergroup=group)
        except SlackApiError as exc:
            log.warning("user group %s could not be read (%s)", group, _error(exc))
            return False
        return user.id in resp.get("users", [])

    async def send_private(
        self,
        space: ChannelRef,
        user: UserRef,
        msg: OutMessage,
        *,
        key: str | None = None,
        resend: bool = False,
    ) -> None:
        if not msg.files:  # an ephemeral message cannot carry files: those go to the DM
            try:
                await self.client.chat_postEphemeral(
                    channel=space.id,
                    user=user.id,
                    text=render.fallback_text(msg),
                    blocks=render.blocks(msg),
                )
                return
            except SlackApiError as exc:
                log.warning(
                    "ephemeral message to %s in %s refused (%s); sending a DM",
                    user.id,
                    space.id,
                    _error(exc),
                )
        try:
            await self.send(user, msg, key=key, resend=resend)
            return
        except SlackApiError as exc:
            log.warning(
                "DM to %s refused (%s); mentioning them in %s", user.id, _error(exc), space.id
            )
        # the content may be private (an interviewer's guide), so the mention only points the way
        note = OutMessage(
            text="I have something for your eyes only but could not show it here or send a DM. "
            "Please allow direct messages from the mockround app, then ask me again.",
            mentions=(user,),
        )
        await self.send(space, note)

    async def edit(self, ref: MessageRef, msg: OutMessage) -> None:
        await self.client.chat_update(
            channel=ref.channel,
            ts=ref.id,
            text=render.fallback_text(msg),
            blocks=render.blocks(msg),
        )

    async def add_reactions(self, ref: MessageRef, emojis: Sequence[str]) -> None:
        for emoji in emojis:
            try:
                await self.client.reactions_add(
                    channel=ref.channel, timestamp=ref.id, name=render.emoji_name(emoji)
                )
            except SlackApiError as exc:
                # a reaction is a shortcut for members; the message stands without it
                if _error(exc) != "already_reacted":
                    log.warning(
                        "could not add :%s: to %s: %s",
                        render.emoji_name(emoji),
                        ref.id,
                        _error(exc),
                    )

    async def open_pair_space(
        self,
        where: ChannelRef | None,
        users: Sequence[UserRef],
        title: str,
        *,
        reopening: bool = False,
    ) -> ChannelRef:
        # a group DM is private to the pair; Slack returns the existing one for the same
        # members, so opening it again after a crash finds the first
        resp = await self.client.conversations_open(users=",".join(u.id for u in users))
        workspace = users[0].workspace if users else (where.workspace if where else "")
        return ChannelRef(PLATFORM, workspace, resp["channel"]["id"])

    async def close_pair_space(
        self, space: ChannelRef, *, key: str | None = None, resend: bool = False
    ) -> None:
        # group DMs cannot be archived by a bot; say so in the conversation instead
        await self.send(space, OutMessage(text=CLOSING_NOTE), key=key, resend=resend)


def _error(exc: SlackApiError) -> str:
    return api_error(exc)
