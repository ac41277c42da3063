"""How `serve_http` writes its answers: each step within `SEND_TIMEOUT`, or the connection goes.

aiohttp waits for a client to take an answer for as long as the connection lives: a client
that asks and never reads would hold its connection, one place of `MAX_CONNECTIONS`, and the
answer it does not take (a whole `/actors` body, megabytes on a big system) with it, for good.
`REQUEST_TIMEOUT` bounds only the wait for a request, not this one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from aiohttp import hdrs, web

SEND_TIMEOUT = 15.0
"""How long a client may take none of an answer: its headers, a piece of its body (a slice of
`/actors`, at most half a megabyte) or its end. Past it the connection is dropped."""


async def send(
    request: web.Request, response: web.StreamResponse, pieces: Iterable[bytes] = ()
) -> web.StreamResponse:
    """`response` written, with `pieces` as its body (none for a `HEAD`), each step within
    `SEND_TIMEOUT`. A client that left or that stopped reading is let go quietly, as aiohttp
    lets go of a client that left."""
    try:
        async with asyncio.timeout(SEND_TIMEOUT):
            await response.prepare(request)
        if request.method != hdrs.METH_HEAD:  # its length, not its body
            for piece in pieces:
                async with asyncio.timeout(SEND_TIMEOUT):
                    await response.write(piece)
        async with asyncio.timeout(SEND_TIMEOUT):
            await response.write_eof()
    except TimeoutError:
        if request.transport is not None:
            request.transport.abort()  # with its unsent bytes
    except ConnectionError:
        pass
    return response
