"""The operator's HTTP port (MOCKROUND_HTTP_PORT): /healthz and /metrics.

/healthz answers 200 with each check when the database answers, every platform is
connected, the scheduler runs and no post has waited too long; 503 otherwise (a load
balancer or Docker's healthcheck then knows). /metrics is the Prometheus text format.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST


@dataclass
class Served:
    runner: web.AppRunner
    port: int  # the bound port (0 asked for a free one)

    async def cleanup(self) -> None:
        await self.runner.cleanup()


async def serve(app: Any, host: str, port: int) -> Served:
    """Start serving; ``cleanup()`` stops it. Port 0 picks a free one."""

    async def healthz(_: web.Request) -> web.Response:
        healthy, checks = await app.health()
        body = json.dumps({"healthy": healthy, "checks": checks})
        return web.Response(
            status=200 if healthy else 503, text=body, content_type="application/json"
        )

    async def metrics(_: web.Request) -> web.Response:
        return web.Response(
            body=await app.metrics_text(), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    web_app = web.Application()
    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/metrics", metrics)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    return Served(runner, site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]


async def serve_if_asked(app: Any, settings: Any) -> Served | None:
    """Serve the operator's port when MOCKROUND_HTTP_PORT is set."""
    if settings.http_port is None:
        return None
    return await serve(app, settings.http_host, settings.http_port)
