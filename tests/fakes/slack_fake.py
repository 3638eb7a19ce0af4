"""A local stand-in for the Slack Web API and the Socket Mode websocket.

It serves ``/api/<method>`` on 127.0.0.1 the way Slack does (JSON with ``ok``),
records every call, can answer a method with 429 (Retry-After) or 500, keeps
enough state to be strict where Slack is strict (a trigger_id works once, a
DM to a user who refused DMs fails, an ephemeral message needs a member of the
conversation) and, for Socket Mode, hands out a ``ws://127.0.0.1`` URL whose
websocket pushes envelopes and collects the acks.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections import defaultdict, deque
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web

from tests.fakes.holds import Holds
from tests.fakes.slack_fake_methods import Conversation, WebApiMethods

ACK_WAIT = 5.0


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    status: int = 200
    ok: bool = True
    error: str = ""


@dataclass
class Failure:
    status: int  # 429, 500, or 200 with ok=false
    error: str = ""
    retry_after: int | None = None


class FakeSlack(WebApiMethods):
    def __init__(
        self,
        *,
        team: str = "T0MOCK",
        bot_user: str = "UBOT",
        bot_token: str = "xoxb-fake",
        app_token: str = "xapp-fake",
    ) -> None:
        self.team, self.bot_user = team, bot_user
        self.bot_token, self.app_token = bot_token, app_token
        self.calls: list[Call] = []
        self.users: dict[str, dict[str, Any]] = {}
        self.conversations: dict[str, Conversation] = {}
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}
        self.refuse_dm: set[str] = set()
        self.triggers: set[str] = set()  # issued, not yet used
        self.uploads: dict[str, dict[str, Any]] = {}
        self.usergroups: dict[str, set[str]] = {}
        self.acks: dict[str, dict[str, Any]] = {}
        self._failures: dict[str, deque[Failure]] = defaultdict(deque)
        self.holds = Holds()
        self._ts = itertools.count(1)
        self._ids = itertools.count(1)
        self._ack_waiters: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._sockets: list[web.WebSocketResponse] = []
        self.socket_ready = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- lifecycle ---------------------------------------------------------

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)
        app.router.add_post("/respond/{n}", self._respond)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self.api_url

    async def close(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def open_sockets(self) -> int:
        return len(self._sockets)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    # --- what tests set up and inspect ------------------------------------

    def add_user(self, uid: str, name: str, *, admin: bool = False, owner: bool = False) -> None:
        self.users[uid] = {
            "id": uid,
            "team_id": self.team,
            "name": name.lower(),
            "real_name": name,
            "is_admin": admin,
            "is_owner": owner,
            "is_bot": False,
            "tz": "Europe/Berlin",
            "profile": {"display_name": name, "real_name": name},
        }

    def add_channel(self, cid: str, members: set[str], *, bot_invited: bool = True) -> None:
        """A public channel; the bot is a member only if invited."""
        self.conversations[cid] = Conversation(
            cid, set(members) | ({self.bot_user} if bot_invited else set())
        )

    def fail(
        self,
        method: str,
        status: int = 429,
        *,
        error: str = "",
        retry_after: int | None = 0,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with a failure instead of the result."""
        for _ in range(times):
            self._failures[method].append(
                Failure(status, error or _default_error(status), retry_after)
            )

    def new_trigger(self) -> str:
        trigger = f"{next(self._ids)}.{next(self._ids)}.fake-trigger"
        self.triggers.add(trigger)
        return trigger

    def response_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/respond/{next(self._ids)}"

    def calls_to(self, method: str, *, ok: bool | None = True) -> list[dict[str, Any]]:
        return [c.args for c in self.calls if c.method == method and (ok is None or c.ok == ok)]

    def posts(self, channel: str | None = None) -> list[dict[str, Any]]:
        return [
            a
            for a in self.calls_to("chat.postMessage")
            if channel is None or a["channel"] == channel
        ]

    def ephemerals(self, user: str | None = None) -> list[dict[str, Any]]:
        return [a for a in self.calls_to("chat.postEphemeral") if user is None or a["user"] == user]

    def responses(self, url: str | None = None) -> list[dict[str, Any]]:
        """What the app posted to response_urls (all, or the one of a single request)."""
        return [a for a in self.calls_to("response_url") if url is None or a["url"] == url]

    def buttons(self, channel: str) -> list[tuple[str, str]]:
        """(message ts, action id) of every button the app has posted in ``channel``, oldest first."""
        return [
            (ts, element["action_id"])
            for (ch, ts), message in self.messages.items()
            if ch == channel
            for block in message.get("blocks", [])
            if block.get("type") == "actions"
            for element in block.get("elements", [])
        ]

    def texts(self, channel: str) -> list[str]:
        """The mrkdwn the app posted in ``channel`` (all sections of each message joined)."""
        return [
            "\n".join(
                b["text"]["text"]
                for b in m.get("blocks", [])
                if b.get("type") == "section" and "text" in b
            )
            or m.get("text", "")
            for (ch, _), m in self.messages.items()
            if ch == channel
        ]

    def dm_channel(self, uid: str) -> str | None:
        return next(
            (c.id for c in self.conversations.values() if c.is_im and uid in c.members), None
        )

    def group_dms(self) -> list[Conversation]:
        return [c for c in self.conversations.values() if c.is_mpim]

    # --- the Web API ----------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await _read_args(request)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        expected = self.app_token if method == "apps.connections.open" else self.bot_token
        queued = self._failures.get(method)
        if queued:
            failure = queued.popleft()
            self.calls.append(Call(method, args, failure.status, False, failure.error))
            headers = {}
            if failure.retry_after is not None and failure.status == 429:
                headers["Retry-After"] = str(failure.retry_after)
            if failure.status >= 500 or failure.status == 405:  # a proxy's page, not Slack's JSON
                return web.Response(status=failure.status, text="upstream hiccup", headers=headers)
            return _json({"ok": False, "error": failure.error}, failure.status, headers)
        if token != expected:
            return self._answer(method, args, {"ok": False, "error": "invalid_auth"})
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            return self._answer(method, args, {"ok": False, "error": "unknown_method"})
        return await self._answered(method, args, handler(args))

    async def _answered(
        self, method: str, args: dict[str, Any], body: dict[str, Any]
    ) -> web.Response:
        if body["ok"]:
            await self.holds.after_effect(method, args)
        return self._answer(method, args, body)

    def _answer(self, method: str, args: dict[str, Any], body: dict[str, Any]) -> web.Response:
        self.calls.append(Call(method, args, 200, bool(body["ok"]), body.get("error", "")))
        return _json(body)

    async def _upload(self, request: web.Request) -> web.Response:
        up = self.uploads.get(request.match_info["file_id"])
        if up is None:
            return web.Response(status=404, text="no such upload")
        if request.content_type.startswith("multipart/"):
            async for part in await request.multipart():
                up["data"] = bytes(await part.read())
        else:
            up["data"] = await request.read()
        return web.Response(text="OK - " + str(len(up["data"])))

    async def _respond(self, request: web.Request) -> web.Response:
        self.calls.append(Call("response_url", {**await request.json(), "url": str(request.url)}))
        return web.Response(text="ok")

    # --- Socket Mode ------------------------------------------------------------

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json(
            {"type": "hello", "num_connections": 1, "connection_info": {"app_id": "AFAKE"}}
        )
        self.socket_ready.set()
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            ack = json.loads(msg.data)
            envelope_id = ack.get("envelope_id", "")
            self.acks[envelope_id] = ack
            waiter = self._ack_waiters.pop(envelope_id, None)
            if waiter is not None and not waiter.done():
                waiter.set_result(ack)
        self._sockets.remove(ws)
        return ws

    async def push(
        self, kind: str, payload: dict[str, Any], *, retry_attempt: int = 0
    ) -> dict[str, Any]:
        """Send one envelope (slash_commands, interactive, events_api) and return the app's ack."""
        async with asyncio.timeout(ACK_WAIT):
            await self.socket_ready.wait()
        envelope_id = f"env-{next(self._ids)}"
        waiter: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._ack_waiters[envelope_id] = waiter
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind != "events_api",
            "retry_attempt": retry_attempt,
            "retry_reason": "timeout" if retry_attempt else "",
        }
        await self._sockets[-1].send_json(envelope)
        async with asyncio.timeout(ACK_WAIT):  # Slack gives 3 s; a hang here is a failing test
            return await waiter


def _default_error(status: int) -> str:
    return {429: "ratelimited", 500: "internal_error"}.get(status, "fatal_error")


def _json(
    body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    # slack_sdk reads the body as JSON only when the content type says so
    return web.Response(
        status=status, text=json.dumps(body), content_type="application/json", headers=headers
    )


async def _read_args(request: web.Request) -> dict[str, Any]:
    args: dict[str, Any] = dict(request.query)
    raw = await request.text()
    if raw:
        if request.content_type == "application/json":
            args.update(json.loads(raw))
        else:
            args.update(parse_qsl(raw, keep_blank_values=True))
    for key in ("blocks", "view", "metadata"):  # form-encoded calls carry these as JSON strings
        if isinstance(args.get(key), str):
            args[key] = json.loads(args[key])
    return args
