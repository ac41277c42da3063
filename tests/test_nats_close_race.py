"""A shutdown that cancels a reconnection in the loop turn its wait ends: the server's answer
arriving, or a down server's refusal (immediate, so in the turn the attempt began). Python
3.11's `asyncio.wait_for`, through which nats-py reads its socket, then hands back what it
awaited (the line, or the refusal) instead of the cancellation: the reconnection went on as if
never cancelled, nats-py's `close` (which cancels it
once and waits for it `reconnect_time_wait` at most) returned, and the client set itself back
to connected or reconnecting, and kept reconnecting for the life of the process (sockets still
open when the loop closed, "reconnected to NATS" in the log after the shutdown).

Every transport here gives up reconnecting after a while: a reconnection left running by the
bug under test would otherwise hold the loop's teardown (which cancels it once) forever."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import pytest
from nats.aio.client import Client
from nats.aio.transport import TcpTransport

from actorkit import ActorSystem
from actorkit.nats import NatsTransport

from .nats_support import SAFETY, NatsServer, requires_nats, transport

pytestmark = requires_nats


class Reconnection(asyncio.Task[None]):
    """nats-py's reconnection task, which says when it is being cancelled."""

    on_cancel: Callable[[], None]

    def cancel(self, msg: Any | None = None) -> bool:
        if not self.done():
            self.on_cancel()
        return super().cancel(msg)


def reporting(on_cancel: Callable[[], None]) -> Callable[..., asyncio.Task[Any]]:
    def factory(
        loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, Any], **kwargs: Any
    ) -> asyncio.Task[Any]:
        if getattr(coro, "__qualname__", "") != "Client._attempt_reconnect":
            return asyncio.Task(coro, loop=loop, **kwargs)
        task = Reconnection(coro, loop=loop, **kwargs)
        task.on_cancel = on_cancel
        return task

    return factory


def holding_info(
    readline: Callable[[TcpTransport], Awaitable[bytes]],
    held: asyncio.Event,
    answered: asyncio.Event,
) -> Callable[[TcpTransport], Awaitable[bytes]]:
    """nats-py's `readline`, which keeps the server's INFO (the first line of a reconnection)
    until `answered` is set."""

    async def hold(transport: TcpTransport) -> bytes:
        line = await readline(transport)
        if line.startswith(b"INFO"):
            held.set()
            await answered.wait()
        return line

    return hold


def left_open(link: NatsTransport) -> dict[str, list[str]]:
    """What of each nats-py client outlived the close: nothing public reaches them."""
    nc, topics = link._link.nc, link._link.topics  # noqa: SLF001
    connections = {"requests": nc, "topics": topics}
    return {name: left_of(nc) for name, nc in connections.items() if nc is not None}


def left_of(nc: Client) -> list[str]:
    writer = getattr(nc._transport, "_io_writer", None)  # noqa: SLF001
    task = nc._reconnection_task  # noqa: SLF001
    return [
        what
        for what, left in (
            ("not closed", not nc.is_closed),
            ("still reconnecting", task is not None and not task.done()),
            ("socket open", writer is not None and not writer.transport.is_closing()),
        )
        if left
    ]


async def test_a_reconnection_answered_as_the_shutdown_cancels_it_stays_closed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The turn made certain: nats-py's reconnection task reports its cancellation, and the
    server's INFO line, held until then, is handed over in that very turn."""
    own = NatsServer()
    own.start()
    link = transport(own, max_reconnect_attempts=40)
    system = ActorSystem("closing", transport=link)
    loop = asyncio.get_running_loop()
    held, answered = asyncio.Event(), asyncio.Event()
    try:
        async with asyncio.timeout(SAFETY):
            await system.start()
            monkeypatch.setattr(
                TcpTransport, "readline", holding_info(TcpTransport.readline, held, answered)
            )
            loop.set_task_factory(reporting(answered.set))
            own.stop()
            await link.link_down.wait()
            own.start()
            await held.wait()  # a reconnection has the server's INFO, not yet handed over
            await system.shutdown()
            assert left_open(link) == {"requests": [], "topics": []}
    finally:
        loop.set_task_factory(None)
        await system.shutdown()
        own.stop()


async def test_a_shutdown_at_any_turn_of_reconnecting_to_a_server_that_is_down_ends_it() -> None:
    """A server that is down refuses at once, so each attempt's wait ends in the turn it
    began: shutting down at each turn from the first attempt on meets such turns."""
    own = NatsServer()
    try:
        async with asyncio.timeout(SAFETY * 2):
            for turns in range(40):  # from the first attempt, through several
                own.start()
                link = NatsTransport(own.url, reconnect_time_wait=0.001, max_reconnect_attempts=200)
                async with ActorSystem("down", transport=link):
                    own.stop()
                    await link.link_down.wait()
                    for _ in range(turns):
                        await asyncio.sleep(0)
                assert left_open(link) == {"requests": [], "topics": []}, f"after {turns} turns"
    finally:
        own.stop()
