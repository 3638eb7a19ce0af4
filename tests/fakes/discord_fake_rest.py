"""The fake's REST routes under /api/v10: the calls discord.py makes for mockround.

Handlers take (fake, match, body) and return (status, json); the state they touch
lives on ``FakeDiscord`` so tests can read it back.
"""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from tests.fakes import discord_fake_payloads as p
from tests.fakes.discord_fake_limits import message_problem, modal_problem

if TYPE_CHECKING:
    from tests.fakes.discord_fake import FakeDiscord

Result = tuple[int, Any]
Handler = Callable[["FakeDiscord", re.Match[str], Any], Awaitable[Result]]
ROUTES: list[tuple[str, re.Pattern[str], Handler]] = []


def route(method: str, pattern: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        ROUTES.append((method, re.compile(f"^{pattern}$"), fn))
        return fn

    return register


def error(status: int, code: int, message: str) -> Result:
    return status, {"code": code, "message": message}


def invalid(problem: str) -> Result:
    return 400, {"code": 50035, "message": f"Invalid Form Body: {problem}"}


@route("GET", r"/users/@me")
async def me(fake: FakeDiscord, m: re.Match[str], body: Any) -> Result:
    return 200, fake.bot_user


@route("GET", r"/oauth2/applications/@me")
async def application(fake: FakeDiscord, m: re.Match[str], body: Any) -> Result:
    return 200, p.app_info(fake.app_id, fake.users[fake.owner_id])


@route("PUT", r"/applications/(\d+)/commands")
async def sync_commands(fake: FakeDiscord, m: re.Match[str], body: Any) -> Result:
    fake.commands = []
    for cmd in body:
        stored = dict(cmd, id=str(p.snowflake()), application_id=str(fake.app_id), version="1")
        stored.setdefault("type", 1)
        stored.setdefault("options", [])
        stored.setdefault("default_member_permissions", None)
        fake.commands.append(stored)
    return 200, fake.commands


@route("GET", r"/applications/(\d+)/commands")
async def list_commands(fake: FakeDiscord, m: re.Match[str], body: Any) -> Result:
    return 200, fake.commands


@route("POST", r"/interactions/(\d+)/([^/]+)/callback")
async def callback(fake: FakeDiscord, m: re.Match[str], body: Any) -> Result:
    inter = fake.interactions.get(int(m.group(1)))
    if inter is None or inter.token != m.group(2):
        return error(404, 10062, "Unknown interaction")
    if inter.responses:
        return error(400, 40060, "Interaction has already been acknowledged.")
    rtype, data = body["type"], body.get("data") or {}
    if body.get("_files"):
        data = dict(data, _files=body["_files"])
    problem = modal_problem(data) if rtype == 9 else message_problem(data) if rtype == 4 else None
    if problem:
        return invalid(problem)
    inter.responses.append(dict(body, elapsed=time.monotonic() - inter.created))
    result: dict[str, Any] = {
        "interaction": {
            "id": str(inter.id),
            "type": inter.type,
            "response_message_loading": rtype == 5,
            "response_message_ephemeral": bool(int(data.get("flags") or 0) & 64),
        },
        "resource": {"type": rtype},
    }
    if rtype == 4:
        msg = fake.post_message(
            inter.channel_id, data, ephemeral=bool(int(data.get("flags") or 0) & 64)
        )
        inter.original = msg
        result["interaction"]["response_message_id"] = msg["id"]
        result["resource"]["message"] = msg
    elif rtype == 9:
        inter.modal = data
    elif rtype == 8:
        inter.choices = data.get("choices", [])
    return 200, result


@route("PATCH", r"/webhooks/(\d+)/([^/]+)/messages/@original")
async def edit_original(fake: FakeDiscord, m: re.Match[str], body: Any) -> Result:
    inter = fake.interaction_by_token(m.group(2))
    if inter is None:
        return error(404, 10015, "Unknown Webhook")
    if problem := message_problem(body):
        return invalid(problem)
    ephemeral = inter.deferred_ephemeral
    if inter.original is None:
        inter.original = fake.post_message(inter.channel_id, body, ephemeral=ephemeral)
    else:
        inter.original.update(content=body.get("content", inter.original["content"]))
        inter.original["embeds"] = body.get("embeds", inter.original["embeds"])
        inter.original["components"] = body.get("components", inter.original["components"])
    return 200, inter.original


@route("POST", r"/webhooks/(\d+)/([^/]+)")
async def followup(fake: FakeDiscord, m: re.Match[str], body: Any) -> Result:
    inter = fake.interaction_by_token(m.group(2))
    if inter is None:
        return error(404, 10015, "Unknown Webhook")
    if problem := message_problem(body):
        return invalid(problem)
    msg = fake.post_message(
        inter.channel_id, body, ephemeral=bool(int(body.get("flags") or 0) & 64)
    )
    inter.followups.append(msg)
    return 200, msg


@route("POST", r"/users/@me/channels")
async def open_dm(fake: FakeDiscord, m: re.Match[str], body: Any) -> Result:
    uid = int(body["recipient_id"])
    if uid not in fake.users:
        return error(400, 50033, "Invalid Recipients")
    cid = fake.dm_by_user.get(uid)
    if cid is None:
        cid = p.snowflake()
        fake.dm_by_user[uid] = cid
        fake.channels[cid] = p.dm_channel(cid, fake.users[uid])
    return 200, fake.channels[cid]


@route("POST", r"/channels/(\d+)/messages")
async def create_message(fake: FakeDiscord, m: re.Match[str], body: Any) -> Result:
    cid = int(m.group(1))
    channel = fake.channels.get(cid)
    if channel is None:
        return error(404, 10003, "Unknown Channel")
    if problem := message_problem(body):
        return invalid(problem)
    if channel["type"] == 1 and int(channel["recipients"][0]["id"]) in fake.closed_dms:
        return error(403, 50007, "Cannot send messages to this user")
    if channel.get("thread_metadata", {}).get("locked"):
        return error(403, 50083, "Thread is archived")
    nonce = body.get("nonce")
    if nonce and body.get("enforce_nonce"):  # Discord returns the first message, posts nothing
        known = fake.nonces.get((cid, str(nonce)))
        if known is not None:
            return 200, fake.messages[known]
    msg = fake.post_message(cid, body)
    if nonce and body.get("enforce_nonce"):
        fake.nonces[(cid, str(nonce))] = int(msg["id"])
    return 200, msg


@route("PATCH", r"/channels/(\d+)/messages/(\d+)")
async def edit_message(fake: FakeDiscord, m: re.Match[str], body: Any) -> Result:
    msg = fake.messages.get(int(m.group(2)))
    if msg is None or msg["channel_id"] != m.group(1):
        return error(404, 10008, "Unknown Message")
    if problem := message_problem(body):
        return invalid(problem)
    for key in ("content", "embeds", "components"):
        if key in body:
            msg[key] = body[key] if body[key] is not None else ([] if key != "content" else "")
    msg["edited_timestamp"] = p.STAMP
    fake.edits.append(int(m.group(2)))
    return 200, msg


@route("PUT", r"/channels/(\d+)/messages/(\d+)/reactions/([^/]+)/@me")
async def add_own_reaction(fake: FakeDiscord, m: re.Match[str], body: Any) -> Result:
    mid = int(m.group(2))
    if mid not in fake.messages:
        return error(404, 10008, "Unknown Message")
    fake.add_reaction(mid, m.group(3), fake.bot_id)
    return 204, None


@route("POST", r"/channels/(\d+)/threads")
async def create_thread(fake: FakeDiscord, m: re.Match[str], body: Any) -> Result:
    parent = fake.channels.get(int(m.group(1)))
    if parent is None:
        return error(404, 10003, "Unknown Channel")
    if parent["type"] != 0 or int(parent["id"]) in fake.threadless_channels:
        return error(403, 50001, "Missing Access")
    tid = p.snowflake()
    ttype = int(body.get("type") or 11)
    data = p.thread(tid, fake.guild_id, int(parent["id"]), fake.bot_id, body["name"], ttype)
    data["thread_metadata"]["invitable"] = bool(body.get("invitable", True))
    fake.channels[tid] = data
    fake.thread_members[tid] = {fake.bot_id}
    await fake.gateway.dispatch("THREAD_CREATE", dict(data, newly_created=True))
    return 201, data


@route("GET", r"/guilds/(\d+)/threads/active")
async def active_threads(fake: FakeDiscord, m: re.Match[str], body: Any) -> Result:
    threads = [t for t in fake.threads() if not t["thread_metadata"]["archived"]]
    joined = [
        {"id": t["id"], "user_id": str(uid), "join_timestamp": p.STAMP, "flags": 0}
        for t in threads
        for uid in fake.thread_members.get(int(t["id"]), ())
        if uid == fake.bot_id
    ]
    return 200, {"threads": threads, "members": joined}


@route("PUT", r"/channels/(\d+)/thread-members/(\d+)")
async def add_thread_member(fake: FakeDiscord, m: re.Match[str], body: Any) -> Result:
    tid = int(m.group(1))
    if tid not in fake.thread_members:
        return error(404, 10003, "Unknown Channel")
    fake.thread_members[tid].add(int(m.group(2)))
    return 204, None


@route("GET", r"/channels/(\d+)")
async def get_channel(fake: FakeDiscord, m: re.Match[str], body: Any) -> Result:
    channel = fake.channels.get(int(m.group(1)))
    return (200, channel) if channel else error(404, 10003, "Unknown Channel")


@route("POST", r"/guilds/(\d+)/channels")
async def create_guild_channel(fake: FakeDiscord, m: re.Match[str], body: Any) -> Result:
    if not fake.bot_manages_channels:
        return error(403, 50013, "Missing Permissions")
    cid = p.snowflake()
    data = dict(
        p.text_channel(cid, fake.guild_id, body["name"]),
        type=int(body.get("type", 0)),
        parent_id=str(body["parent_id"]) if body.get("parent_id") else None,
        permission_overwrites=body.get("permission_overwrites", []),
        bitrate=64000,
        user_limit=0,
        rtc_region=None,
    )
    fake.channels[cid] = data
    await fake.gateway.dispatch("CHANNEL_CREATE", data)
    return 201, data


@route("DELETE", r"/channels/(\d+)")
async def delete_channel(fake: FakeDiscord, m: re.Match[str], body: Any) -> Result:
    channel = fake.channels.pop(int(m.group(1)), None)
    if channel is None:
        return error(404, 10003, "Unknown Channel")
    fake.deleted_channels.append(channel)
    await fake.gateway.dispatch("CHANNEL_DELETE", channel)
    return 200, channel


@route("PATCH", r"/channels/(\d+)")
async def edit_channel(fake: FakeDiscord, m: re.Match[str], body: Any) -> Result:
    channel = fake.channels.get(int(m.group(1)))
    if channel is None:
        return error(404, 10003, "Unknown Channel")
    meta = channel.get("thread_metadata")
    if meta is not None:
        for key in ("archived", "locked"):
            if key in body:
                meta[key] = bool(body[key])
    if "name" in body:
        channel["name"] = body["name"]
    return 200, channel
