"""`system.serve_http()`: /metrics, /healthz and /actors on aiohttp, never hand-parsed HTTP.

Binds 127.0.0.1 unless told otherwise. `auth` takes the two schemes Prometheus scrape
configs support: a bearer token (`auth="token"` or `BearerAuth("token")`) or basic auth
(`auth=("user", "password")` or `BasicAuth("user", "password")`). Without valid credentials
every path answers 401. `/actors` shows structure and counts, never message contents.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import ipaddress
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs
from aiohttp import web
from prometheus_client.aiohttp import make_aiohttp_handler

if TYPE_CHECKING:
    from ._cell import Cell
    from ._system import ActorSystem

logger = logging.getLogger("actorkit")


@attrs.frozen
class BearerAuth:
    token: str = attrs.field(repr=False)

    def accepts(self, header: str) -> bool:
        scheme, _, value = header.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            value.strip().encode(), self.token.encode()
        )

    challenge = 'Bearer realm="actorkit"'


@attrs.frozen
class BasicAuth:
    username: str
    password: str = attrs.field(repr=False)

    def accepts(self, header: str) -> bool:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return False
        user, _, password = decoded.partition(":")
        return hmac.compare_digest(user.encode(), self.username.encode()) & hmac.compare_digest(
            password.encode(), self.password.encode()
        )

    challenge = 'Basic realm="actorkit"'


Auth = BearerAuth | BasicAuth


def check_auth(auth: object) -> Auth | None:
    if auth is None or isinstance(auth, BearerAuth | BasicAuth):
        return auth
    if isinstance(auth, str) and auth:
        return BearerAuth(auth)
    if isinstance(auth, tuple) and len(auth) == 2 and all(isinstance(a, str) for a in auth):
        return BasicAuth(auth[0], auth[1])
    raise TypeError(
        "auth must be a bearer token str, a (username, password) tuple, "
        f"BearerAuth(...) or BasicAuth(...), got {type(auth).__name__}"
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def actor_tree(
    system: ActorSystem, path: str | None = None, limit: int | None = None
) -> dict[str, Any]:
    """The supervision tree (or the subtree at `path`) as plain data: structure and counts
    only. `limit` caps the nodes, taken depth-first in start order, so that a view of a
    system with 100,000 actors (`top` shows forty rows) costs forty nodes, not a second of
    the event loop; every node says how many children it has, shown or not."""
    budget = limit if limit is not None else system.actor_count + 1
    truncated = False

    def node(cell: Cell) -> dict[str, Any]:
        nonlocal budget, truncated
        budget -= 1
        children = cell.children  # the walk never yields, so no actor comes or goes during it
        shown = []
        for child in children.values():
            if budget <= 0:
                truncated = True
                break
            shown.append(node(child))
        return {
            "path": cell.path,
            "name": cell.name,
            "class": cell.class_name,
            "state": cell.state,
            "mailbox_size": len(cell.mailbox),
            "processed": cell.mailbox.processed,
            "failures": cell.failures,
            "restarts": cell.restarts,
            # Message accounting: accepted == processed + crashed + dead_lettered
            # + mailbox_size (+ 1 while a message is being handled).
            "accepted": cell.mailbox.accepted,
            "crashed": cell.mailbox.crashed,
            "dead_lettered": cell.mailbox.dead_lettered,
            "children_count": len(children),
            "children": shown,
        }

    if path is None or path == "/":
        budget += 1  # the root itself is not shown, only its children
        actors = node(system.root)["children"]
    else:
        ref = system.lookup(path)
        if ref is None:
            raise LookupError(f"no actor at {path!r}")
        actors = [node(ref._cell)]
    return {
        "system": system.name,
        "healthy": system.healthy,
        "total": system.actor_count,
        "truncated": truncated,
        "actors": actors,
    }


def _tree_query(query: Mapping[str, str]) -> tuple[str | None, int | None]:
    """`/actors?path=/workers&limit=100`, or the error that says what to pass."""
    unknown = set(query) - {"path", "limit"}
    if unknown:
        raise ValueError(f"unknown parameter {sorted(unknown)[0]!r}: use path= and limit=")
    path = query.get("path")
    if path is not None and not path.startswith("/"):
        raise ValueError(f"path must be an actor path such as /workers, got {path!r}")
    limit = query.get("limit")
    if limit is None:
        return path, None
    if not limit.isdigit() or int(limit) < 1:
        raise ValueError(f"limit must be a whole number of nodes >= 1, got {limit!r}")
    return path, int(limit)


class HttpServer:
    """A running endpoint: `.host`, `.port` (the bound one) and `await .close()`."""

    def __init__(self, runner: web.AppRunner, host: str, port: int) -> None:
        self._runner = runner
        self._closed = False
        self.host = host
        self.port = port

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            await self._runner.cleanup()

    def __repr__(self) -> str:
        return f"<HttpServer {self.url}>"


async def serve(system: ActorSystem, host: str, port: int, auth: object) -> HttpServer:
    checked = check_auth(auth)
    if not isinstance(port, int) or isinstance(port, bool) or not 0 <= port <= 65535:
        raise ValueError(f"port must be an int from 0 to 65535 (0 picks a free one), got {port!r}")
    if checked is None and not _is_loopback(host):
        logger.warning(
            "serving actorkit metrics on %s without auth: anyone who can reach it can read "
            "them; pass auth= or bind 127.0.0.1",
            host,
        )

    @web.middleware
    async def authenticate(request: web.Request, handler: Any) -> web.StreamResponse:
        if checked is not None and not checked.accepts(request.headers.get("Authorization", "")):
            return web.json_response(
                {"error": "unauthorized"},
                status=401,
                headers={"WWW-Authenticate": checked.challenge},
            )
        response: web.StreamResponse = await handler(request)
        return response

    async def healthz(request: web.Request) -> web.Response:
        healthy = system.healthy
        body: dict[str, object] = {
            "status": "ok" if healthy else ("failed" if system.failure else "stopping"),
            "system": system.name,
            "actors": system.actor_count,
        }
        if system.failure is not None:
            body["failure"] = repr(system.failure)
        if system.transport is not None:
            # A lost NATS connection is "degraded", still 200: the client reconnects by itself
            # and restarting the process would not help. A closed one will not come back.
            link = body["transport"] = system.transport.health()
            if healthy and link["state"] != "connected":
                body["status"] = "degraded" if link["state"] == "reconnecting" else "disconnected"
                healthy = link["state"] == "reconnecting"
        return web.json_response(body, status=200 if healthy else 503)

    # Building /metrics or /actors runs on the loop. One at a time, each after a yield, so
    # that under many concurrent scrapes the actors run between two of them: message
    # handling stalls for one scrape's time at most, not for one per scraper. Uncompressed:
    # gzip would run on the loop after the handler, outside that guard, and costs more than
    # building the body (measured in benchmarks/scrape_flood.py).
    one_at_a_time = asyncio.Lock()
    exposition = make_aiohttp_handler(system.metrics.registry, disable_compression=True)

    async def metrics(request: web.Request) -> web.StreamResponse:
        async with one_at_a_time:
            await asyncio.sleep(0)
            return await exposition(request)

    async def actors(request: web.Request) -> web.Response:
        try:
            path, limit = _tree_query(request.query)
        except ValueError as error:
            return web.json_response({"error": str(error)}, status=400)
        async with one_at_a_time:
            await asyncio.sleep(0)
            try:
                return web.json_response(actor_tree(system, path, limit))
            except LookupError as error:
                return web.json_response({"error": str(error)}, status=404)

    app = web.Application(middlewares=[authenticate])
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/actors", actors)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except OSError as error:
        await runner.cleanup()
        raise OSError(
            error.errno,
            f"cannot serve on {host}:{port}: {error.strerror}; is the port already in use? "
            "pass port=0 for a free port or choose another",
        ) from error
    bound_port: int = runner.addresses[0][1]
    return HttpServer(runner, host, bound_port)
