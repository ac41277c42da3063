"""`system.serve_http()`: /metrics, /healthz and /actors on aiohttp, never hand-parsed HTTP.

Binds 127.0.0.1 unless told otherwise; `auth` (see `_http_auth`) guards every path, and
without valid credentials each answers 401. `/actors` shows structure and counts, never
message contents. This module (and with it aiohttp) is imported when `serve_http` is first
called, not by `import actorkit`.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import socket
from typing import TYPE_CHECKING

from aiohttp import web

from ._http_auth import check_address, check_auth, is_loopback, reached_at
from ._http_endpoints import _Endpoints
from ._http_limit import limit_connections
from ._http_log import SERVER_LOG
from ._http_routes import application
from ._shielded import shielded
from ._system_checks import on_another_loop, wrong_loop

if TYPE_CHECKING:
    from ._cell import Cell
    from ._runtime import Runtime
    from ._system import ActorSystem
    from ._transport import Transport

logger = logging.getLogger("actorkit")

FREE_PORT = "port=0"
"""How a refused bind's advice names a free port; a command line puts its own option."""
BIND_TIMEOUT = 5.0
"""`serve_http` returns or raises within this: binding is local work, but resolving a host
name may wait on a DNS server."""

CLOSE_GRACE = 0.5
"""How long `HttpServer.close()` lets a request in flight finish, and then how long the
cancelled handler gets to unwind: close returns within twice this, whatever clients do."""

REQUEST_TIMEOUT = 15.0
"""How long a connection may go without a whole request, from when it opens or its last
answer (aiohttp's `keepalive_timeout`, 3,630 s by default): a client that trickles headers
(slowloris) or sends nothing holds a socket this long at most, before `auth` is checked."""


class HttpServer:
    """A running endpoint: `.host`, `.port` (the bound one) and `await .close()`."""

    def __init__(
        self, runner: web.AppRunner, host: str, port: int, endpoints: object, runtime: Runtime
    ) -> None:
        self._runner = runner
        self._runtime = runtime
        self._endpoints = endpoints  # held here, not by the routes (`_http_routes`)
        self._closing: asyncio.Future[None] | None = None
        self._among: list[HttpServer] | None = None
        self.host = host
        self.port = port

    @property
    def url(self) -> str:
        """Where this machine reaches the endpoint: on every interface, a loopback address."""
        host = reached_at(self.host)
        return f"http://{f'[{host}]' if ':' in host else host}:{self.port}"

    async def close(self) -> None:
        """Stop listening, give requests in flight `CLOSE_GRACE` to finish and their cancelled
        handlers as long again, then drop every connection still open. Within
        2 x `CLOSE_GRACE` whatever clients do: one that never reads its responses would
        otherwise hold its socket, with the unsent bytes, for as long as it lives. Every
        caller returns once the endpoint is closed (the system's shutdown may close it while
        its owner does); a caller cancelled meanwhile does not leave it half closed. Only on
        the system's loop, as `serve_http`: the endpoint's connections belong to it, and a
        close begun on another loop failed midway, leaving them open. Closed already (the
        system's shutdown closes its endpoints), it returns on any loop: nothing changes."""
        closed = self._closing is not None and self._closing.done()
        if not closed and on_another_loop(self._runtime):
            raise wrong_loop(self._runtime, "close", on="server")
        if self._closing is None:
            self._closing = asyncio.ensure_future(self._close())
        await asyncio.shield(self._closing)

    def track(self, among: list[HttpServer]) -> HttpServer:
        """Joins the system's endpoints (closed at shutdown) until it closes: a process that
        serves and closes endpoints for as long as it runs must not keep each of them."""
        among.append(self)
        self._among = among
        return self

    async def _close(self) -> None:
        server = self._runner.server
        transports = [] if server is None else [conn.transport for conn in server.connections]
        try:
            await self._runner.cleanup()
        finally:
            for transport in transports:
                if transport is not None:
                    transport.abort()
            if self._among is not None and self in self._among:
                self._among.remove(self)

    def __repr__(self) -> str:
        return f"<HttpServer {self.url}>"


async def serve(
    system: ActorSystem, root: Cell, transport: Transport | None, host: str, port: int, auth: object
) -> HttpServer:
    """Serve one system: its public face, plus its root (for `/actors`) and its transport
    (for `/healthz`), which the system hands over rather than exposing. Only on the system's
    own loop: the handlers walk the actors, which another thread's loop would race."""
    if on_another_loop(root.runtime):  # after a root failure too: it still serves then
        raise wrong_loop(root.runtime, "serve_http")
    checked = check_auth(auth)
    host, port = check_address(host, port)
    endpoints = _Endpoints(system, root, transport)
    routes = [
        ("/metrics", endpoints.metrics), ("/healthz", endpoints.healthz),
        ("/actors", endpoints.actors),
    ]  # fmt: skip
    app = application(checked, routes)
    server = await _listen(app, host, port, endpoints, root.runtime)
    if checked is None and not is_loopback(host):  # once it serves: a failed bind exposes nothing
        logger.warning(
            "serving actorkit metrics on %s without auth: anyone who can reach it can read "
            "them; pass auth= or bind 127.0.0.1",
            host,
        )
    return server


async def _listen(
    app: web.Application, host: str, port: int, endpoints: object, runtime: Runtime
) -> HttpServer:
    """Bind in a task of its own, which a cancelled caller waits for and then closes: cut
    short, the bind could leave a listening socket that nothing holds (asyncio's
    `create_server` yields once after it starts serving)."""
    runner = web.AppRunner(
        app,
        access_log=None,
        handle_signals=False,
        shutdown_timeout=CLOSE_GRACE,
        keepalive_timeout=REQUEST_TIMEOUT,
        logger=SERVER_LOG,
    )
    binding = asyncio.ensure_future(_bind(runner, host, port))
    try:
        await asyncio.shield(binding)
    except asyncio.CancelledError:
        with shielded():  # an anyio scope cancels again at once: the port would stay bound
            await asyncio.shield(_unbind(binding, runner))
        raise
    return HttpServer(runner, host, runner.addresses[0][1], endpoints, runtime)


async def _bind(runner: web.AppRunner, host: str, port: int) -> None:
    await runner.setup()
    limit_connections(runner.server)  # type: ignore[arg-type]  # set up: not None
    try:
        async with asyncio.timeout(BIND_TIMEOUT):
            await _start(runner, host, port)
    except TimeoutError:
        await runner.cleanup()
        raise TimeoutError(
            f"cannot serve on {host}:{port}: resolving the host and binding took over "
            f"{BIND_TIMEOUT} s; pass an IP address such as 127.0.0.1"
        ) from None
    except OSError as error:
        await runner.cleanup()
        number, reason = error.errno, error.strerror or str(error)
        if number is None and reason.startswith("could not bind on any address"):
            # Python 3.13 passes over each address not of this host (bpo-30945), then says so
            number, reason = errno.EADDRNOTAVAIL, os.strerror(errno.EADDRNOTAVAIL)
        raise OSError(
            number, f"cannot serve on {host}:{port}: {reason}; {_advice(number, error)}"
        ) from error


async def _start(runner: web.AppRunner, host: str, port: int) -> None:
    """Port 0 on a name of several addresses (`localhost`: 127.0.0.1 and ::1) gives each its
    own port: all bind again on the first's (`.port`), or anew if another address has it."""
    while True:
        site = web.TCPSite(runner, host, port)
        await site.start()
        first: int = runner.addresses[0][1]
        if all(address[1] == first for address in runner.addresses):
            break
        await site.stop()
        site = web.TCPSite(runner, host, first)
        try:
            await site.start()
            break
        except OSError as error:
            await site.stop()
            if error.errno != errno.EADDRINUSE:
                raise


async def _unbind(binding: asyncio.Future[None], runner: web.AppRunner) -> None:
    """What a cancelled `serve_http` leaves: nothing bound, once the bind has ended."""
    await asyncio.wait((binding,))
    if not binding.cancelled() and binding.exception() is None:
        await runner.cleanup()


def _advice(number: int | None, error: OSError) -> str:
    if isinstance(error, socket.gaierror):
        return "the host name does not resolve: pass an IP address such as 127.0.0.1"
    if number == errno.EADDRINUSE:
        return f"the port is in use: pass {FREE_PORT} for a free port or choose another"
    if number == errno.EACCES:
        return f"this port needs privileges: choose one from 1024 up (or {FREE_PORT})"
    return "pass an address of this host, such as 127.0.0.1 (or 0.0.0.0 for all)"
