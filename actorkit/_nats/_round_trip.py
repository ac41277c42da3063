"""A full round trip to the NATS server on one connection, ended early when it closes."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import nats.errors
from nats.aio.client import Client


class Dropped(Exception):
    """The connection dropped while a PING waited for its PONG: none will come, nats-py
    starting a new list of PONG waiters as it reconnects."""


async def round_trip(
    nc: Client,
    timeout: float,
    shut: asyncio.Event | None = None,
    down: asyncio.Event | None = None,
) -> None:
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
    before the call does, rather than a `FlushTimeoutError` a whole timeout later. So does
    `down` (set as `nc` drops) with `Dropped`, for a caller that tries again once it is back."""
    if nc.is_closed:
        raise nats.errors.ConnectionClosedError
    loop = asyncio.get_running_loop()
    events = [event for event in (shut, down) if event is not None]
    for _ in range(2):
        pong: asyncio.Future[bool] = loop.create_future()
        ends = {event: loop.create_task(event.wait()) for event in events}
        try:
            await nc._send_ping(pong)  # noqa: SLF001
            waits: set[asyncio.Future[Any]] = {pong, *ends.values()}
            await asyncio.wait(
                waits,
                timeout=max(1, int(timeout)),
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            for end in ends.values():
                end.cancel()
        if not pong.done():
            if nc.is_closed or (shut is not None and shut.is_set()):
                raise nats.errors.ConnectionClosedError
            if down is not None and ends[down].done() and not ends[down].cancelled():
                raise Dropped
            raise nats.errors.FlushTimeoutError


async def across_drops(
    nc: Client, timeout: float, shut: asyncio.Event, up: asyncio.Event, down: asyncio.Event
) -> None:
    """`round_trip` on a connection that may be down (`down`, until `up`): a PING written
    while it is down, or lost as it drops, is never answered, so it goes once the connection
    is back, again if it drops meanwhile. Each wait for its return takes `timeout` at most
    (nats-py's `TimeoutError` then); one closed for good fails at once."""
    while True:
        if down.is_set() and not nc.is_closed:
            await until_back(up, shut, timeout)
        with contextlib.suppress(Dropped):
            await round_trip(nc, timeout, shut, down)
            return


async def until_back(up: asyncio.Event, shut: asyncio.Event, timeout: float) -> None:
    """Wait for `up` (set by each reconnection, cleared by each drop, never both with
    `down`), at most `timeout`. A connection back and dropped again before this task ran is
    back all the same: the caller finds it down and waits again."""
    back, _ = waits = [asyncio.ensure_future(event.wait()) for event in (up, shut)]
    try:
        await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()
    if shut.is_set():
        raise nats.errors.ConnectionClosedError
    if not (back.done() and not back.cancelled()):
        raise nats.errors.TimeoutError


@contextlib.asynccontextmanager
async def flush_within(timeout: float, system: str) -> AsyncIterator[None]:
    """`asyncio.timeout(timeout)` for `NatsTransport.flush`, whose `TimeoutError` says what
    was not confirmed in time, and for which system: a bare one is a line with no words in a
    deploy script's log."""
    try:
        async with asyncio.timeout(timeout):
            yield
    except TimeoutError:
        raise TimeoutError(
            f"{system}: NATS did not confirm what this system queued, exposed and left within "
            f"{timeout:g} s (unreachable, or not reading?); nothing queued is lost by it, so "
            "flush again or raise the timeout"
        ) from None
