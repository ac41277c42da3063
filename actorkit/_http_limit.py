"""How many connections one `serve_http` endpoint holds at once.

Each is a file descriptor of the process, shared with its NATS connections and its stores:
clients that open connections by the thousand (each held up to `REQUEST_TIMEOUT` without a
request) would otherwise leave the actors unable to open a file or reconnect. aiohttp has no
such limit; its server's `connection_made` is where one sees each connection first.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiohttp import web
    from aiohttp.web_protocol import RequestHandler

MAX_CONNECTIONS = 1_000
"""Connections one endpoint serves at once; one more is answered 503 and closed."""

_BUSY = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nRetry-After: 1\r\n"
    b"Connection: close\r\n\r\n"
)


def limit_connections(server: web.Server) -> None:
    """Past `MAX_CONNECTIONS` open at once, each new connection is answered 503 and closed
    before it is read: its file descriptor goes at once.

    Reading stops here and the close is queued: the handler calling this creates its request
    task only afterwards, and on Python 3.11 (no eager start) the task's first step comes
    later still. A connection closed here was lost before that step, and the task then failed
    on the handler's released state, logged as a task exception never retrieved once per
    connection refused. Queued before the step, the close has the loss come after it: the
    task waits for a request that cannot come, and the loss cancels it, as a client hanging
    up does."""
    made = server.connection_made

    def connection_made(handler: RequestHandler, transport: asyncio.Transport) -> None:
        made(handler, transport)
        if len(server.connections) > MAX_CONNECTIONS:
            transport.write(_BUSY)
            transport.pause_reading()
            asyncio.get_running_loop().call_soon(transport.close)

    server.connection_made = connection_made  # type: ignore[method-assign]
