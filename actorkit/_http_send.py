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
"""How long a client may leave a step of an answer untaken: its headers, a `PART` of its body
or its end. Past it the connection is dropped."""

PART = 1 << 16
"""Bytes of a body written at a time, a loop turn each: a client that reads slowly but reads
is let go on, one that takes less than this in `SEND_TIMEOUT` is not; and tens of megabytes
for a fast one do not hold the loop for tens of milliseconds."""


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
                whole = memoryview(piece)
                for start in range(0, len(whole), PART):
                    async with asyncio.timeout(SEND_TIMEOUT):
                        await response.write(whole[start : start + PART])
                    await asyncio.sleep(0)  # a client that reads as fast takes no wait
        async with asyncio.timeout(SEND_TIMEOUT):
            await response.write_eof()
    except TimeoutError:
        if request.transport is not None:
            request.transport.abort()  # with its unsent bytes
    except ConnectionError:
        pass
    return response
