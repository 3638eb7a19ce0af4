"""A local fake Discord: REST under /api/v10 and a gateway websocket on 127.0.0.1.

It keeps the state a test wants to read back (channels, threads and their members,
messages, DMs, reactions, interaction responses), records every request and every
peer address, injects faults (429 with real rate-limit headers, 500, a dropped
gateway) and dispatches the events members cause (slash commands, autocomplete,
button clicks, modal submits, reactions).
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes import discord_fake_payloads as p
from tests.fakes.discord_fake_gateway import FakeGateway
from tests.fakes.discord_fake_interactions import InteractionsMixin
from tests.fakes.discord_fake_rest import ROUTES
from tests.fakes.holds import Holds

TOKEN = "fake-bot-token"


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int = 0


@dataclass
class Fault:
    method: str
    pattern: re.Pattern[str]
    status: int
    times: int = 1
    retry_after: float = 0.05
    code: int = 0


@dataclass
class FakeInteraction:
    id: int
    token: str
    type: int
    user_id: int
    channel_id: int
    payload: dict[str, Any]
    created: float = field(default_factory=time.monotonic)
    responses: list[dict[str, Any]] = field(default_factory=list)
    followups: list[dict[str, Any]] = field(default_factory=list)
    original: dict[str, Any] | None = None
    modal: dict[str, Any] | None = None
    choices: list[dict[str, Any]] | None = None

    @property
    def deferred_ephemeral(self) -> bool:
        first = self.responses[0] if self.responses else {}
        return bool(int((first.get("data") or {}).get("flags") or 0) & 64)

    @property
    def messages(self) -> list[dict[str, Any]]:
        return ([self.original] if self.original else []) + self.followups

    @property
    def text(self) -> str:
        return "\n".join(text_of(m) for m in self.messages)

    @property
    def ephemeral(self) -> bool:
        return all(int(m.get("flags") or 0) & 64 for m in self.messages)


def text_of(msg: dict[str, Any]) -> str:
    """Content plus embed text: what a member reads."""
    parts = [msg.get("content") or ""]
    for e in msg.get("embeds") or []:
        parts += [e.get("title") or "", e.get("description") or ""]
        parts += [f"{f['name']}: {f['value']}" for f in e.get("fields") or []]
    return "\n".join(x for x in parts if x)


def custom_ids(msg: dict[str, Any]) -> list[str]:
    return [
        c["custom_id"] for row in msg.get("components") or [] for c in row.get("components", [])
    ]


class FakeDiscord(InteractionsMixin):
    def __init__(self) -> None:
        self.guild_id, self.app_id = p.snowflake(), p.snowflake()
        self.bot_id, self.owner_id = self.app_id, p.snowflake()
        self.bot_user = p.user(self.bot_id, "mockround", bot=True)
        self.users: dict[int, dict[str, Any]] = {self.bot_id: self.bot_user}
        self.permissions: dict[int, int] = {}
        self.member_roles: dict[int, list[int]] = {}
        self.admin_role = p.snowflake()
        self.organiser_role = p.snowflake()  # a role with no server rights
        self.bot_role = p.snowflake()
        self.nonces: dict[tuple[int, str], int] = {}  # (channel, enforced nonce) -> message
        self.channels: dict[int, dict[str, Any]] = {}
        self.messages: dict[int, dict[str, Any]] = {}
        self.channel_messages: dict[int, list[int]] = {}
        self.thread_members: dict[int, set[int]] = {}
        self.reactions: dict[int, dict[str, list[int]]] = {}
        self.dm_by_user: dict[int, int] = {}
        self.closed_dms: set[int] = set()
        self.threadless_channels: set[int] = set()
        self.bot_manages_channels = True  # the bot's role has Manage Channels (voice rooms)
        self.deleted_channels: list[dict[str, Any]] = []
        self.files: dict[int, dict[str, bytes]] = {}  # message id -> its attachments' bytes
        self.edits: list[int] = []
        self.commands: list[dict[str, Any]] = []
        self.interactions: dict[int, FakeInteraction] = {}
        self.requests: list[Recorded] = []
        self.peers: list[str] = []
        self.faults: list[Fault] = []
        self.holds = Holds()
        self.gateway = FakeGateway(self._ready, lambda: [self._guild()])
        self.channel_id = self.add_text_channel("mock-interviews")
        self.general_id = self.add_text_channel("general")
        self.add_member("owner", admin=True, uid=self.owner_id)
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- lifecycle -----------------------------------------------------------

    async def start(self) -> FakeDiscord:
        app = web.Application(middlewares=[self._record_peer])
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # the random free port
        return self

    async def stop(self) -> None:
        await self.gateway.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    # --- setup ---------------------------------------------------------------

    def add_text_channel(self, name: str) -> int:
        cid = p.snowflake()
        self.channels[cid] = p.text_channel(cid, self.guild_id, name)
        return cid

    def add_category(self, name: str) -> int:
        cid = p.snowflake()
        self.channels[cid] = dict(p.text_channel(cid, self.guild_id, name), type=4)
        return cid

    def voice_channels(self) -> list[dict[str, Any]]:
        return [c for c in self.channels.values() if c["type"] == 2]

    def add_member(
        self, name: str, *, admin: bool = False, organiser: bool = False, uid: int | None = None
    ) -> int:
        uid = uid or p.snowflake()
        self.users[uid] = p.user(uid, name)
        self.member_roles[uid] = [self.admin_role] if admin else []
        if organiser:
            self.member_roles[uid].append(self.organiser_role)
        self.permissions[uid] = p.MEMBER_PERMISSIONS | (p.MANAGE_GUILD if admin else 0)
        return uid

    def member_payload(self, uid: int) -> dict[str, Any]:
        return p.member(
            self.users[uid], roles=self.member_roles[uid], permissions=self.permissions[uid]
        )

    def _guild(self) -> dict[str, Any]:
        roles = [
            p.role(self.guild_id, "@everyone", p.MEMBER_PERMISSIONS, 0),
            p.role(self.admin_role, "Admins", p.MANAGE_GUILD, 1),
            p.role(self.organiser_role, "Mock organisers", p.MEMBER_PERMISSIONS, 2),
        ]
        members = [self.member_payload(u) for u in self.member_roles]
        if self.bot_manages_channels:
            roles.append(p.role(self.bot_role, "mockround", p.MANAGE_CHANNELS, 3))
        bot_roles = [self.bot_role] if self.bot_manages_channels else []
        members.append(p.member(self.bot_user, roles=bot_roles, permissions=p.MEMBER_PERMISSIONS))
        guild_channels = [c for c in self.channels.values() if c["type"] in (0, 2, 4)]
        return p.guild(self.guild_id, self.owner_id, guild_channels, roles, members)

    def _ready(self, session_id: str) -> dict[str, Any]:
        return {
            "v": 10,
            "user": self.bot_user,
            "guilds": [{"id": str(self.guild_id), "unavailable": True}],
            "session_id": session_id,
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.app_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
        }

    # --- faults --------------------------------------------------------------

    def fail(
        self, method: str, path: str, status: int = 429, *, times: int = 1, **kw: Any
    ) -> Fault:
        """The next ``times`` requests matching ``method`` and the ``path`` regex get ``status``."""
        fault = Fault(method, re.compile(path), status, times, **kw)
        self.faults.append(fault)
        return fault

    def _fault_response(self, method: str, path: str) -> web.Response | None:
        for fault in self.faults:
            if fault.times > 0 and fault.method == method and fault.pattern.search(path):
                fault.times -= 1
                if fault.status == 429:
                    ra = fault.retry_after
                    headers = {
                        "Retry-After": str(max(1, round(ra))),
                        "X-RateLimit-Limit": "5",
                        "X-RateLimit-Remaining": "0",
                        "X-RateLimit-Reset": f"{time.time() + ra:.3f}",
                        "X-RateLimit-Reset-After": f"{ra:.3f}",
                        "X-RateLimit-Bucket": "fake-bucket",
                        "X-RateLimit-Scope": "user",
                        "Via": "1.1 google",
                    }
                    body = {
                        "message": "You are being rate limited.",
                        "retry_after": ra,
                        "global": False,
                    }
                    return _json(429, body, headers)
                return _json(fault.status, {"code": fault.code, "message": "injected fault"})
        return None

    # --- transport -----------------------------------------------------------

    @web.middleware
    async def _record_peer(self, request: web.Request, handler: Callable) -> web.StreamResponse:
        self.peers.append(request.remote or "")
        return await handler(request)

    async def _body(self, request: web.Request) -> Any:
        """JSON, or multipart (payload_json plus files[n]) when a message carries files;
        the files are kept under the body's "_files" as {filename: bytes}."""
        if not request.can_read_body:
            return None
        if not request.content_type.startswith("multipart/"):
            return await request.json()
        body: dict[str, Any] = {}
        files: dict[str, bytes] = {}
        async for part in await request.multipart():
            if part.name == "payload_json":
                body = json.loads(await part.text())
            elif part.filename:
                files[part.filename] = bytes(await part.read())
        body["_files"] = files
        return body

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body = await self._body(request)
        rec = Recorded(request.method, path, dict(request.query), body)
        self.requests.append(rec)
        # interaction callbacks and webhooks authenticate by the token in the path, not the header
        by_path = path.startswith(("/interactions/", "/webhooks/"))
        if not by_path and request.headers.get("Authorization") != f"Bot {TOKEN}":
            rec.status = 401
            return _json(401, {"code": 0, "message": "401: Unauthorized"})
        faulted = self._fault_response(request.method, path)
        if faulted is not None:
            rec.status = faulted.status
            return faulted
        for method, pattern, handler in ROUTES:
            m = pattern.match(path)
            if m and method == request.method:
                status, data = await handler(self, m, body)
                rec.status = status
                await self.holds.after_effect(f"{request.method} {path}", body)
                return web.Response(status=204) if status == 204 else _json(status, data)
        rec.status = 404
        return _json(404, {"code": 0, "message": f"fake has no route {request.method} {path}"})

    # --- state helpers used by the routes ------------------------------------

    def post_message(
        self, cid: int, body: dict[str, Any], *, ephemeral: bool = False
    ) -> dict[str, Any]:
        mid = p.snowflake()
        channel = self.channels.get(cid, {})
        guild = self.guild_id if channel.get("type") != 1 else None
        msg = p.message(mid, cid, self.bot_user, body, guild)
        if body.get("_files"):
            self.files[mid] = dict(body["_files"])
        if ephemeral:
            msg["flags"] |= 64
        else:
            self.messages[mid] = msg
            self.channel_messages.setdefault(cid, []).append(mid)
        return msg

    def add_reaction(self, mid: int, emoji: str, uid: int) -> None:
        from urllib.parse import unquote

        who = self.reactions.setdefault(mid, {}).setdefault(unquote(emoji), [])
        if uid not in who:
            who.append(uid)

    def interaction_by_token(self, token: str) -> FakeInteraction | None:
        return next((i for i in self.interactions.values() if i.token == token), None)

    # --- reading state back --------------------------------------------------

    def messages_in(self, cid: int) -> list[dict[str, Any]]:
        return [self.messages[m] for m in self.channel_messages.get(cid, [])]

    def dms_to(self, uid: int) -> list[dict[str, Any]]:
        cid = self.dm_by_user.get(uid)
        return self.messages_in(cid) if cid else []

    def threads(self) -> list[dict[str, Any]]:
        return [c for c in self.channels.values() if c["type"] in (11, 12)]

    def requests_to(self, method: str, path: str) -> list[Recorded]:
        pattern = re.compile(path)
        return [r for r in self.requests if r.method == method and pattern.search(r.path)]

    @property
    def interaction_responses(self) -> list[dict[str, Any]]:
        return [r for i in self.interactions.values() for r in i.responses]

    async def wait_for(
        self, predicate: Callable[[], Any], within: float = 5.0, what: str = ""
    ) -> Any:
        """Poll state until ``predicate()`` is truthy; fail the test after ``within`` seconds."""
        deadline = time.monotonic() + within
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what or predicate}")
            await asyncio.sleep(0.005)


def _json(status: int, data: Any, headers: dict[str, str] | None = None) -> web.Response:
    # discord.py parses a body as JSON only when Content-Type is exactly application/json
    return web.Response(
        status=status,
        body=json.dumps(data).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
    )
