"""Slack requests to neutral commands, and the core's replies back to Slack.

Each listener acknowledges first (Slack gives 3 seconds), then translates,
awaits ``service.handle`` and renders the Reply. The one exception is a modal
submission: its field errors can only travel in the acknowledgement itself.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, Protocol

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import render
from adapters.slack.errors import api_error
from adapters.slack.port import PLATFORM, SlackChat
from bot import actions
from bot.commands import BadInput, Command, ReactionAdded
from bot.messages import SCORE_EMOJIS, OutMessage, Reply
from bot.model import ChannelRef, MessageRef, UserRef
from bot.syntax import parse_text

log = logging.getLogger(__name__)

ACTION_PATTERN = re.compile(r"^mr:")
FORM_PATTERN = re.compile(r"^mr:(fb)?form:")
USER_TOKEN = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")  # slash command text with escaping on
CHANNEL_TOKEN = re.compile(r"^<#([CG][A-Z0-9]+)(?:\|[^>]*)?>$")
# a modal's ack must carry its field errors, so the core gets most of Slack's 3 s
VIEW_ACK_BUDGET = 2.5
PROFILE_TTL = 300.0  # seconds a users.info answer is trusted (admin rights change rarely)
ANSWERED_EMOJIS = frozenset({*SCORE_EMOJIS, "✋"})  # quick scores and the signup's join reaction

Respond = Callable[..., Awaitable[Any]]


class Service(Protocol):
    async def handle(self, cmd: Command) -> Reply: ...


class SlackInbound:
    def __init__(self, service: Service, chat: SlackChat) -> None:
        self.service = service
        self.chat = chat
        self._busy = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._profiles: dict[str, tuple[float, str, bool]] = {}

    def register(self, app: AsyncApp) -> None:
        app.command("/mock")(self.on_command)
        app.view(FORM_PATTERN)(self.on_view)
        app.action(ACTION_PATTERN)(self.on_action)
        app.event("reaction_added")(self.on_reaction)

    async def idle(self) -> None:
        """Wait until every request already acknowledged has been handled and answered."""
        await self._idle.wait()

    @asynccontextmanager
    async def _working(self) -> AsyncIterator[None]:
        self._busy += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._busy -= 1
            if self._busy == 0:
                self._idle.set()

    # --- listeners ---------------------------------------------------------------

    async def on_command(
        self, ack, body: dict[str, Any], respond: Respond, client: AsyncWebClient
    ) -> None:
        async with self._working():
            await ack()
            team, user = body["team_id"], body["user_id"]
            name, admin = await self._profile(client, user, body.get("user_name", ""))
            try:
                cmd = parse_text(
                    body.get("text", ""),
                    actor=UserRef(PLATFORM, team, user),
                    actor_name=name,
                    is_admin=admin,
                    channel=ChannelRef(PLATFORM, team, body["channel_id"]),
                    resolve_member=lambda token: _ref(USER_TOKEN, token, UserRef, team),
                    resolve_channel=lambda token: _ref(CHANNEL_TOKEN, token, ChannelRef, team),
                )
            except BadInput as exc:
                await respond(text=render.escape(str(exc)), response_type="ephemeral")
                return
            reply = await self.service.handle(cmd)
            await self._answer(
                reply, respond, client, body.get("trigger_id"), body["channel_id"], cmd.actor
            )

    async def on_action(
        self,
        ack,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: Respond,
        client: AsyncWebClient,
    ) -> None:
        async with self._working():
            await ack()
            team, user = _team(body), body["user"]["id"]
            channel_id = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
                "channel_id"
            )
            name, admin = await self._profile(client, user, body["user"].get("name", ""))
            ctx = dict(
                actor=UserRef(PLATFORM, team, user),
                actor_name=name,
                is_admin=admin,
                channel=ChannelRef(PLATFORM, team, channel_id) if channel_id else None,
            )
            try:
                cmd = actions.decode(action["action_id"], **ctx)
            except BadInput as exc:
                await respond(
                    text=render.escape(str(exc)), response_type="ephemeral", replace_original=False
                )
                return
            reply = await self.service.handle(cmd)
            await self._answer(
                reply, respond, client, body.get("trigger_id"), channel_id, cmd.actor
            )

    async def on_view(self, ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        async with self._working():
            team, user = _team(body), body["user"]["id"]
            channel_id = _metadata(view.get("private_metadata", "")).get("channel")
            values, comment = render.submitted_values(view)
            # no users.info here: the ack clock is running, and rating needs no admin rights
            try:
                cmd = actions.submission(
                    view["callback_id"],
                    values,
                    comment,
                    actor=UserRef(PLATFORM, team, user),
                    actor_name=body["user"].get("name", ""),
                    channel=ChannelRef(PLATFORM, team, channel_id) if channel_id else None,
                )
            except BadInput:
                await ack()
                return
            task = asyncio.ensure_future(self.service.handle(cmd))
            done, _ = await asyncio.wait({task}, timeout=VIEW_ACK_BUDGET)
            if not done:  # close the modal in time; the outcome follows as a message
                await ack()
                await self._notify(UserRef(PLATFORM, team, user), channel_id, await task)
                return
            reply = task.result()
            inputs = [b["block_id"] for b in view.get("blocks", []) if b.get("type") == "input"]
            if reply.field_errors:
                await ack(response_action="errors", errors=dict(reply.field_errors))
            elif reply.error and inputs:
                await ack(response_action="errors", errors={inputs[0]: reply.text})
            else:
                await ack()
                await self._notify(UserRef(PLATFORM, team, user), channel_id, reply)

    async def on_reaction(
        self, ack, body: dict[str, Any], event: dict[str, Any], context: dict[str, Any]
    ) -> None:
        async with self._working():
            await ack()
            event_id = body.get("event_id")
            item = event.get("item") or {}
            if item.get("type") != "message":
                return
            # only the bot's own messages take reactions (signup, feedback); skip the rest unseen
            author, bot_user = event.get("item_user"), context.get("bot_user_id")
            if author and bot_user and author != bot_user:
                return
            team = body.get("team_id") or (body.get("authorizations") or [{}])[0].get("team_id", "")
            actor = UserRef(PLATFORM, team, event["user"])
            cmd = ReactionAdded(
                actor=actor,
                channel=ChannelRef(PLATFORM, team, item["channel"]),
                event_id=event_id,
                message=MessageRef(PLATFORM, team, item["channel"], item["ts"]),
                emoji=render.emoji_from_name(event["reaction"]),
            )
            reply = await self.service.handle(cmd)
            # members react to bot posts for fun too: only the emoji the bot offers get an answer
            if cmd.emoji in ANSWERED_EMOJIS or not reply.error:
                await self._notify(actor, item["channel"], reply)

    # --- helpers --------------------------------------------------------------------

    async def _profile(self, client: AsyncWebClient, user: str, fallback: str) -> tuple[str, bool]:
        cached = self._profiles.get(user)
        if cached and cached[0] > time.monotonic():
            return cached[1], cached[2]
        try:
            info = (await client.users_info(user=user))["user"]
        except SlackApiError as exc:
            log.warning("users.info for %s failed: %s", user, api_error(exc))
            return fallback, False  # unknown rights: treat as a member, never as an admin
        profile = info.get("profile") or {}
        name = (
            profile.get("display_name")
            or profile.get("real_name")
            or info.get("real_name")
            or info.get("name")
            or fallback
        )
        admin = bool(info.get("is_admin") or info.get("is_owner"))
        self._profiles[user] = (time.monotonic() + PROFILE_TTL, name, admin)
        return name, admin

    async def _answer(
        self,
        reply: Reply,
        respond: Respond,
        client: AsyncWebClient,
        trigger_id: str | None,
        channel_id: str | None,
        actor: UserRef,
    ) -> None:
        if reply.form is not None:
            view = render.modal(
                reply.form, json.dumps({"channel": channel_id}) if channel_id else ""
            )
            try:
                await client.views_open(trigger_id=trigger_id, view=view)
            except SlackApiError as exc:
                log.warning("views.open failed: %s", api_error(exc))
                await respond(
                    text="The form could not open in time. Please click again.",
                    response_type="ephemeral",
                    replace_original=False,
                )
        if (reply.message is not None or reply.text) and not reply.duplicate:
            msg = reply.message or OutMessage(text=reply.text)
            await respond(
                text=render.fallback_text(msg),
                blocks=render.blocks(msg),
                response_type="ephemeral" if reply.ephemeral else "in_channel",
                replace_original=False,
            )
            if msg.files:  # a private answer cannot carry files: they go to the member's DM
                await self.chat.upload_to(actor, msg)

    async def _notify(self, user: UserRef, channel_id: str | None, reply: Reply) -> None:
        """Answer someone who has no response_url (a modal or a reaction): privately, in place or by DM."""
        if not (reply.text or reply.message) or reply.duplicate:
            return
        msg = reply.message or OutMessage(text=reply.text)
        if channel_id:
            await self.chat.send_private(
                ChannelRef(PLATFORM, user.workspace, channel_id), user, msg
            )
        else:
            await self.chat.send(user, msg)


def _team(body: dict[str, Any]) -> str:
    return (body.get("team") or {}).get("id") or body["user"].get("team_id", "")


def _metadata(raw: str) -> dict[str, Any]:
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _ref(pattern: re.Pattern[str], token: str, kind: type, team: str) -> Any:
    m = pattern.match(token.strip())
    return kind(PLATFORM, team, m.group(1)) if m else None
