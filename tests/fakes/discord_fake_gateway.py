"""The fake gateway: HELLO, IDENTIFY -> READY + GUILD_CREATE, heartbeats, RESUME with replay.

Every dispatch gets a sequence number and is kept, so a client that resumes after a
dropped connection receives exactly the events it missed, as on the real gateway.
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
    events: list[tuple[int, str, dict[str, Any]]] = field(default_factory=list)
    seq: int = 0


class FakeGateway:
    def __init__(self, ready: Callable[[str], dict[str, Any]], guilds: Callable[[], list[dict]]):
        self._ready = ready  # session id -> READY payload
        self._guilds = guilds  # full GUILD_CREATE payloads
        self.sessions: dict[str, GatewaySession] = {}
        self.current: GatewaySession | None = None
        self.socket: web.WebSocketResponse | None = None
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
            if self.socket is ws:
                self.socket = None
                self.connected.clear()
        return ws

    async def _on_op(self, ws: web.WebSocketResponse, payload: dict[str, Any]) -> None:
        op, d = payload.get("op"), payload.get("d")
        if op == HEARTBEAT:
            await ws.send_json({"op": HEARTBEAT_ACK, "d": None, "s": None, "t": None})
        elif op == IDENTIFY:
            self.identifies += 1
            session = GatewaySession(
                id=f"session-{len(self.sessions) + 1}", intents=d.get("intents", 0)
            )
            self.sessions[session.id] = session
            self.current, self.socket = session, ws
            await self._send(session, "READY", self._ready(session.id))
            for g in self._guilds():
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
            self.current, self.socket = session, ws
            for seq, name, data in session.events:
                if seq > (d.get("seq") or 0):
                    self.replayed += 1
                    await self._write(ws, seq, name, data)
            await self._send(session, "RESUMED", {})
            self.connected.set()

    async def _send(self, session: GatewaySession, name: str, data: dict[str, Any]) -> None:
        session.seq += 1
        session.events.append((session.seq, name, data))
        if self.socket is not None and self.current is session:
            await self._write(self.socket, session.seq, name, data)

    @staticmethod
    async def _write(ws: web.WebSocketResponse, seq: int, name: str, data: dict[str, Any]) -> None:
        if not ws.closed:
            await ws.send_json({"op": DISPATCH, "d": data, "s": seq, "t": name})

    async def dispatch(self, name: str, data: dict[str, Any]) -> None:
        """Queue an event for the current session; sent now if connected, else on RESUME."""
        if self.current is None:
            raise RuntimeError("no gateway session: the bot has not identified")
        await self._send(self.current, name, data)

    async def drop(self, code: int = 4000) -> None:
        """Close the connection the way a network blip does; the session stays resumable."""
        ws, self.socket = self.socket, None
        self.connected.clear()
        if ws is not None:
            await ws.close(code=code)

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close()
