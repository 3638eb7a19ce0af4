"""The fake gateway: HELLO, IDENTIFY -> READY + GUILD_CREATE, heartbeats, RESUME with replay.

Every dispatch gets a sequence number and is kept, so a client that resumes after a
dropped connection receives exactly the events it missed, as on the real gateway.
Shards as on the real gateway: an IDENTIFY names [shard id, count], and a guild's events
go to shard (guild_id >> 22) % count; DMs to shard 0.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

HELLO, IDENTIFY, RESUME, HEARTBEAT, HEARTBEAT_ACK, DISPATCH, INVALID_SESSION = 10, 2, 6, 1, 11, 0, 9


@dataclass
class GatewaySession:
    id: str
    intents: int
    shard: tuple[int, int] = (0, 1)  # (id, count)
    events: list[tuple[int, str, dict[str, Any]]] = field(default_factory=list)
    seq: int = 0


def shard_of(guild_id: int | str | None, count: int) -> int:
    return (int(guild_id) >> 22) % count if guild_id is not None else 0


class FakeGateway:
    def __init__(self, ready: Callable[[str], dict[str, Any]], guilds: Callable[[], list[dict]]):
        self._ready = ready  # session id -> READY payload
        self._guilds = guilds  # full GUILD_CREATE payloads
        self.sessions: dict[str, GatewaySession] = {}
        self.live: dict[int, GatewaySession] = {}  # shard id -> its session
        self.sockets: dict[int, web.WebSocketResponse] = {}  # shard id -> its connection
        self.identifies = 0
        self.resumes = 0
        self.received: list[dict[str, Any]] = []
        self.connected = asyncio.Event()
        self.replayed = 0  # events sent again on RESUME
        # while set and not released, a RESUME waits: lets a test act during the outage
        self.resume_gate: asyncio.Event | None = None

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"op": HELLO, "d": {"heartbeat_interval": 41250}, "s": None, "t": None})
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                payload = json.loads(msg.data)
                self.received.append(payload)
                await self._on_op(ws, payload)
        finally:
            for shard, open_ws in list(self.sockets.items()):
                if open_ws is ws:
                    del self.sockets[shard]
            if not self.sockets:
                self.connected.clear()
        return ws

    @property
    def current(self) -> GatewaySession | None:
        """Shard 0's session: the only one of a bot that does not shard."""
        return self.live.get(0)

    @property
    def socket(self) -> web.WebSocketResponse | None:
        return next(iter(self.sockets.values()), None)

    def shard_ids(self) -> list[int]:
        """The shards connected now."""
        return sorted(self.sockets)

    async def _on_op(self, ws: web.WebSocketResponse, payload: dict[str, Any]) -> None:
        op, d = payload.get("op"), payload.get("d")
        if op == HEARTBEAT:
            await ws.send_json({"op": HEARTBEAT_ACK, "d": None, "s": None, "t": None})
        elif op == IDENTIFY:
            self.identifies += 1
            shard = tuple(d.get("shard") or (0, 1))
            session = GatewaySession(
                id=f"session-{len(self.sessions) + 1}", intents=d.get("intents", 0), shard=shard
            )
            self.sessions[session.id] = session
            self.live[shard[0]], self.sockets[shard[0]] = session, ws
            await self._send(session, "READY", {**self._ready(session.id), "shard": list(shard)})
            for g in self._guilds():
                if shard_of(g["id"], shard[1]) == shard[0]:
                    await self._send(session, "GUILD_CREATE", g)
            self.connected.set()
        elif op == RESUME:
            session = self.sessions.get(d.get("session_id"))
            if session is None:
                await ws.send_json({"op": INVALID_SESSION, "d": False, "s": None, "t": None})
                return
            if self.resume_gate is not None:
                await self.resume_gate.wait()
            self.resumes += 1
            self.live[session.shard[0]], self.sockets[session.shard[0]] = session, ws
            for seq, name, data in session.events:
                if seq > (d.get("seq") or 0):
                    self.replayed += 1
                    await self._write(ws, seq, name, data)
            await self._send(session, "RESUMED", {})
            self.connected.set()

    async def _send(self, session: GatewaySession, name: str, data: dict[str, Any]) -> None:
        session.seq += 1
        session.events.append((session.seq, name, data))
        ws = self.sockets.get(session.shard[0])
        if ws is not None and self.live.get(session.shard[0]) is session:
            await self._write(ws, session.seq, name, data)

    @staticmethod
    async def _write(ws: web.WebSocketResponse, seq: int, name: str, data: dict[str, Any]) -> None:
        if not ws.closed:
            await ws.send_json({"op": DISPATCH, "d": data, "s": seq, "t": name})

    async def dispatch(self, name: str, data: dict[str, Any]) -> None:
        """Queue an event for its guild's shard; sent now if connected, else on RESUME."""
        count = next(iter(self.live.values())).shard[1] if self.live else 1
        guild = data.get("guild_id") or (data.get("id") if name.startswith("GUILD_") else None)
        session = self.live.get(shard_of(guild, count))
        if session is None:
            raise RuntimeError("no gateway session: the bot has not identified")
        await self._send(session, name, data)

    async def drop(self, code: int = 4000) -> None:
        """Close the connection the way a network blip does; the session stays resumable."""
        dropped = list(self.sockets.values())
        self.sockets.clear()
        self.connected.clear()
        for ws in dropped:
            await ws.close(code=code)

    async def close(self) -> None:
        for ws in list(self.sockets.values()):
            await ws.close()
