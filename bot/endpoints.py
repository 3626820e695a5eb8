"""GET /healthz and GET /metrics, served when $PORT is set: on Slack's server when Slack runs
in HTTP mode (one port, the Procfile convention), else on a small server of their own, in
a thread of its own, so that a bot whose loop is stuck still answers: 503."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from collections.abc import Coroutine, Mapping
from typing import Any, TypeVar

from aiohttp import web

from bot.adapters.base import Adapter
from bot.health import STORE_PATIENCE, Checkup, Report
from bot.metrics import CONTENT_TYPE, Metrics

log = logging.getLogger("bot.app")  # the name its log lines have always had

LOOP_PATIENCE = 1.0  # seconds the bot's loop has to take up a check
STOP_PATIENCE = 5.0  # seconds a stop waits for the server's thread
T = TypeVar("T")


class Endpoints:
    """The two routes' handlers; each check runs on the bot's loop, whichever loop (the
    bot's, or the server thread's) the handler runs on."""

    def __init__(self, checkup: Checkup, metrics: Metrics, loop: asyncio.AbstractEventLoop) -> None:
        self.checkup, self.metrics, self.loop = checkup, metrics, loop

    def routes(self) -> list[web.RouteDef]:
        """Return the routes: GET /healthz and GET /metrics."""
        return [web.get("/healthz", self.healthz), web.get("/metrics", self.metrics_text)]

    async def healthz(self, _: web.Request) -> web.Response:
        """Answer 200 with the report when the bot is healthy, else 503 with what failed."""
        report, problem = await self._check()
        if report is None:
            return web.json_response({"healthy": False, "loop": problem}, status=503)
        return web.json_response(report.body(), status=200 if report.healthy else 503)

    async def metrics_text(self, _: web.Request) -> web.Response:
        """Answer every metric in the Prometheus text format, the gauges checked now (as
        they were, when the bot's loop does not answer)."""
        await self._check()
        return web.Response(body=self.metrics.render(), headers={"Content-Type": CONTENT_TYPE})

    async def _check(self) -> tuple[Report | None, str | None]:
        """Return a check's report, or None and why when the bot's loop did not take the
        check up within LOOP_PATIENCE (or stalled in it)."""
        try:
            await self._on_loop(asyncio.sleep(0), LOOP_PATIENCE)
            return await self._on_loop(self.checkup.check(), STORE_PATIENCE + LOOP_PATIENCE), None
        except TimeoutError:
            self.metrics.healthy.set(0)
            return None, f"the bot's loop did not answer within {LOOP_PATIENCE:g} s"

    async def _on_loop(self, work: Coroutine[Any, Any, T], patience: float) -> T:
        """Run `work` on the bot's loop; wait for it at most `patience` seconds."""
        future: concurrent.futures.Future[T] = asyncio.run_coroutine_threadsafe(work, self.loop)
        return await asyncio.wait_for(asyncio.wrap_future(future), patience)


class OwnServer:
    """A small aiohttp server with a loop of its own, in a thread of its own."""

    def __init__(self, routes: list[web.RouteDef], host: str, port: int) -> None:
        self.routes, self.host, self.port = routes, host, port
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None

    async def start(self) -> int:
        """Start serving; return the port (the one chosen, for port 0). An address that
        cannot be listened on raises its OSError."""
        ready: concurrent.futures.Future[int] = concurrent.futures.Future()
        self._thread = threading.Thread(
            target=lambda: asyncio.run(self._serve(ready)), name="soiree-http", daemon=True
        )
        self._thread.start()
        self.port = await asyncio.wrap_future(ready)
        return self.port

    async def _serve(self, ready: concurrent.futures.Future[int]) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        served = web.Application()
        served.add_routes(self.routes)
        runner = web.AppRunner(served, access_log=None)  # a line per scrape is noise
        try:
            await runner.setup()
            await web.TCPSite(runner, self.host, self.port).start()
        except Exception as exc:  # the address is taken, say: start() raises it
            await runner.cleanup()
            ready.set_exception(exc)
            return
        ready.set_result(runner.addresses[0][1])
        await self._stop.wait()
        await runner.cleanup()

    async def stop(self) -> None:
        """Stop serving and wait for the thread to end."""
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join, STOP_PATIENCE)


async def serve(
    env: Mapping[str, str], platforms: Mapping[str, Adapter], endpoints: Endpoints
) -> OwnServer | None:
    """Serve the endpoints when $PORT is set: hand them to Slack's server when it runs in
    HTTP mode (before it starts), else start a server of their own on $SLACK_HTTP_HOST
    (default 0.0.0.0) and $PORT. Return that server, to stop; None when there is none."""
    port = env.get("PORT")
    if port is None:
        return None
    slack = platforms.get("slack")
    if slack is not None:
        from bot.adapters.slack import SlackAdapter  # loaded already: Slack is configured

        if isinstance(slack, SlackAdapter) and not slack.settings.socket_mode:
            slack.routes.extend(endpoints.routes())
            log.info("serving /healthz and /metrics beside /slack/events, on Slack's server")
            return None
    host = env.get("SLACK_HTTP_HOST") or "0.0.0.0"
    server = OwnServer(endpoints.routes(), host, int(port))
    chosen = await server.start()
    log.info("serving /healthz and /metrics at %s:%d", host, chosen)
    return server
