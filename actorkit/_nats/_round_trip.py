"""A full round trip to the NATS server on one connection, ended early when it closes."""

from __future__ import annotations

import asyncio
from typing import Any

import nats.errors
from nats.aio.client import Client


async def round_trip(nc: Client, timeout: float, shut: asyncio.Event | None = None) -> None:
    """Return once the server has processed everything sent so far. nats-py writes a flush's
    PING ahead of commands still queued for its flusher task, so one flush can return before
    them; once its PONG is back the flusher has run, and a second PING follows them all.

    Not `nc.flush`: a flush that times out or is cancelled leaves its cancelled future among
    nats-py 2.16's PONG waiters, and the PONG then kills the client's read loop (setting the
    result of a cancelled future), leaving a connection that looks up and reads nothing. Here
    the future is only waited on, never cancelled: a late PONG resolves it harmlessly.

    A connection nats-py closes meanwhile (a server's error line read after the PING left)
    never answers, and its close leaves the PONG waiters pending: with the link's `shut`
    given, that ends the wait at once with `ConnectionClosedError`, as a connection closed
    before the call does, rather than a `FlushTimeoutError` a whole timeout later."""
    if nc.is_closed:
        raise nats.errors.ConnectionClosedError
    loop = asyncio.get_running_loop()
    for _ in range(2):
        pong: asyncio.Future[bool] = loop.create_future()
        await nc._send_ping(pong)  # noqa: SLF001
        closing = None if shut is None else loop.create_task(shut.wait())
        waits: set[asyncio.Future[Any]] = {pong} if closing is None else {pong, closing}
        try:
            await asyncio.wait(
                waits, timeout=max(1, int(timeout)), return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            if closing is not None:
                closing.cancel()
        if not pong.done():
            if nc.is_closed or (shut is not None and shut.is_set()):
                raise nats.errors.ConnectionClosedError
            raise nats.errors.FlushTimeoutError
