"""/healthz and /metrics, scraped over HTTP from a running core: commands by kind and
outcome, latency, timer lag, the outbox, sessions by phase; health turns 503 when a
platform is down or the database stops answering. And JSON log lines carry their ids."""

from __future__ import annotations

import json
import logging

import aiohttp

from adapters.ops import serve
from bot import commands as c
from bot import logs
from tests.conftest import advance, join, start_round, user


async def scrape(port: int, path: str) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{port}{path}") as resp,
    ):
        return resp.status, await resp.text()


async def test_metrics_and_health_are_served(app, clock, monkeypatch):
    ops = await serve(app, "127.0.0.1", 0)
    try:
        port = ops.port
        await join(app, "ann", "bob")
        bad = await app.service.handle(c.Join(actor=user("cat"), level="principal"))
        assert bad.error
        await start_round(app)
        status, text = await scrape(port, "/metrics")
        assert status == 200
        assert 'mockround_commands_total{kind="Join",outcome="ok"} 2.0' in text
        assert 'mockround_commands_total{kind="Join",outcome="refused"} 1.0' in text
        assert 'mockround_command_seconds_count{kind="StartRound"} 1.0' in text
        assert 'mockround_sessions{phase="intro"} 1.0' in text
        assert "mockround_outbox_backlog 0.0" in text
        await advance(app, clock, 30)  # the intro's timer fires
        _, text = await scrape(port, "/metrics")
        assert (
            "mockround_timer_lag_seconds_count" in text
            and "_count 0.0" not in text.split("mockround_timer_lag_seconds_count")[1][:8]
        )

        status, body = await scrape(port, "/healthz")
        report = json.loads(body)
        assert status == 200 and report["healthy"], report
        assert report["checks"]["database"] == "ok" and report["checks"]["scheduler"] == "ok"

        app.connected["discord"] = lambda: False  # a platform connection is down
        status, body = await scrape(port, "/healthz")
        assert status == 503 and json.loads(body)["checks"]["discord"] == "not connected"
        del app.connected["discord"]

        async def down() -> None:
            raise ConnectionRefusedError(111, "Connection refused")

        monkeypatch.setattr(app.store, "ping", down)  # the database stops answering
        status, body = await scrape(port, "/healthz")
        assert status == 503 and "not answering" in json.loads(body)["checks"]["database"]
    finally:
        await ops.cleanup()


async def test_json_log_lines_name_the_community_and_session(app, capsys):
    logs.configure("INFO", "json")
    said = logging.getLogger("bot.test")
    try:
        await join(app, "ann", "bob")
        await start_round(app)
        (s,) = await app.store.sessions_live("console:demo")
        applied = app.practice.on_transition

        async def tell(new, effects, cfg):  # runs inside the session's work
            said.info("inside the session's work")
            await applied(new, effects, cfg)

        app.practice.on_transition = tell
        await app.service.handle(c.ConfirmReady(actor=user("ann")))
        said.info("after the command")
        inside, after = (
            json.loads(line) for line in capsys.readouterr().err.strip().splitlines()[-2:]
        )
        assert inside["message"] == "inside the session's work" and inside["level"] == "INFO"
        assert inside["community"] == "console:demo" and inside["session"] == s.id
        # the ids are the work's own: a line logged after it names neither
        assert after["message"] == "after the command"
        assert "community" not in after and "session" not in after
    finally:
        logs.configure("WARNING", "text")
