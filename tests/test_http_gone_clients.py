"""A request whose client hung up while it waited its turn for `/actors` or `/metrics` walks
no actor: aiohttp runs its handler on all the same, and each such walk would hold up the
scrapes behind it, with no bound (a connection gone no longer counts toward
`MAX_CONNECTIONS`, so clients that connect, ask and leave can queue walks without end)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web

from actorkit import ActorSystem
from actorkit import _http_endpoints as endpoints
from actorkit._http_endpoints import _Endpoints
from actorkit._metrics import Metrics
from actorkit._tree_body import tree_body

from .http_support import Idle, fetch

GONE = 5


class Walks:
    """Counts the walks the endpoint starts; the first holds the one-at-a-time lock until
    `release` is set, so that the requests after it wait their turn."""

    def __init__(self, walk: Callable[..., Awaitable[Any]]) -> None:
        self.walk = walk
        self.count = 0
        self.holding = asyncio.Event()
        self.release = asyncio.Event()

    async def __call__(self, *args: Any) -> Any:
        self.count += 1
        if self.count == 1:
            self.holding.set()
            await self.release.wait()
        return await self.walk(*args)


class Arrivals:
    """The requests that reached the route's handler, and an event once `expected` have."""

    def __init__(self, handler: Callable[..., Awaitable[web.StreamResponse]]) -> None:
        self.handler = handler
        self.requests: list[web.Request] = []
        self.expected = 0
        self.arrived = asyncio.Event()

    def bound(self) -> Callable[..., Awaitable[web.StreamResponse]]:
        arrivals = self

        async def route(self: Any, request: web.Request) -> web.StreamResponse:
            arrivals.requests.append(request)
            if len(arrivals.requests) == arrivals.expected:
                arrivals.arrived.set()
            return await arrivals.handler(self, request)

        return route


@pytest.mark.parametrize("path", ["/actors", "/metrics"])
async def test_a_request_whose_client_left_while_it_waited_walks_no_actor(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, path: str
) -> None:
    route = "actors" if path == "/actors" else "metrics"
    arrivals = Arrivals(getattr(_Endpoints, route))
    monkeypatch.setattr(_Endpoints, route, arrivals.bound())
    if path == "/actors":
        walks = Walks(tree_body)
        monkeypatch.setattr(endpoints, "tree_body", walks)
    else:
        walks = Walks(Metrics.gather)

        def gather(metrics: Metrics, text: Any) -> Awaitable[Any]:
            return walks(metrics, text)

        monkeypatch.setattr(Metrics, "gather", gather)
    async with asyncio.timeout(30), ActorSystem() as system:
        server = await system.serve_http(port=0)
        for _ in range(10):
            await system.spawn(Idle)
        holder = asyncio.create_task(fetch(f"{server.url}{path}"))
        await walks.holding.wait()
        arrivals.expected = 1 + GONE
        writers = []
        for _ in range(GONE):
            _, writer = await asyncio.open_connection(server.host, server.port)
            writer.write(f"GET {path} HTTP/1.1\r\nHost: test\r\n\r\n".encode())
            writers.append(writer)
        await arrivals.arrived.wait()  # each waits for the lock
        for writer in writers:
            writer.transport.abort()
        # A request on a new connection reaches the handler after the server has read the
        # hang-ups made before it (loopback delivers them at once).
        arrivals.expected = 2 + GONE
        arrivals.arrived.clear()
        after = asyncio.create_task(fetch(f"{server.url}{path}"))
        await arrivals.arrived.wait()
        assert all(request.transport is None for request in arrivals.requests[1:-1])
        walks.release.set()
        assert (await holder)[0] == 200
        assert (await after)[0] == 200
    assert walks.count == 2  # the first request's and the last's
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
