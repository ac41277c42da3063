"""nats-py's back-pressure: past `pending_size` bytes not yet written, `publish` waits for its
flusher. The writer and a direct ask wait for it too, and come out of it however it ends:
tells keep flowing, an ask keeps its own deadline, a failed flush is a dead letter, and what
is still queued when the link drops is buffered for the outage.

The faults are injected into the sending system's nats-py client: a socket whose `drain`
waits for the test, as for a server that does not read, and a flush wait that fails."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from nats.aio.client import Client

from actorkit import Actor, ActorSystem, AskTimeout
from actorkit.nats import NatsTransport
from actorkit.testing import Probe

from .nats_support import SAFETY, Gate, NatsServer, link_of, requires_nats

pytestmark = requires_nats

PENDING = 100_000
"""The senders' `pending_size`: a publish past it waits for nats-py's flusher."""


def client_of(system: ActorSystem) -> Client:
    nc = link_of(system)._link.nc
    assert nc is not None
    return nc


@contextlib.contextmanager
def failing_flushes(nc: Client) -> Iterator[None]:
    """Inside the block nats-py's forced flushes (a full pending buffer's) suspend, as a
    flush waiting for the socket does, then fail as a reset connection."""
    flush = nc._flush_pending

    async def failing(force_flush: bool = False) -> Any:
        if not force_flush:
            return await flush()
        await asyncio.sleep(0)
        raise ConnectionResetError("injected")

    nc._flush_pending = failing  # type: ignore[method-assign]
    try:
        yield
    finally:
        nc._flush_pending = flush  # type: ignore[method-assign]


class Stall:
    """The socket stops draining until `released` is set: nats-py's flusher, and any publish
    waiting for it, waits as long. `held` is set once the flusher waits."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, nc: Client) -> None:
        self.held = asyncio.Event()
        self.released = asyncio.Event()
        transport = nc._transport
        assert transport is not None
        self._drain: Callable[[], Awaitable[None]] = transport.drain
        monkeypatch.setattr(transport, "drain", self._held)

    async def _held(self) -> None:
        self.held.set()
        await self.released.wait()
        await self._drain()


class Counter(Actor):
    def __init__(self, expected: int, done: asyncio.Event) -> None:
        self.left = expected
        self.done = done

    async def receive(self, message: Any) -> None:
        self.left -= 1
        if not self.left:
            self.done.set()


async def test_a_burst_of_tells_past_pending_size_arrives_whole(server: NatsServer) -> None:
    count, size = 100, 300_000  # 30 MB, nats-py's 2 MiB pending buffer over and over
    done = asyncio.Event()
    async with (
        ActorSystem("sink", transport=NatsTransport(server.url)) as sink,
        ActorSystem("burst", transport=NatsTransport(server.url)) as burst,
    ):
        sink.expose(await sink.spawn(Counter, count, done, name="counter", mailbox_size=count))
        await link_of(sink).flush()
        counter = burst.remote("sink", "/counter")
        for _ in range(count):
            counter.tell(b"x" * size)
        async with asyncio.timeout(SAFETY):
            await done.wait()
        assert burst.dead_letters.by_reason == {}


async def test_tells_held_by_a_stalled_socket_are_sent_once_it_drains(
    server: NatsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    count = 5
    done = asyncio.Event()
    async with ActorSystem("stall", transport=NatsTransport(server.url, pending_size=PENDING)) as s:
        s.expose(await s.spawn(Counter, count, done, name="counter"))
        await link_of(s).flush()
        stall = Stall(monkeypatch, client_of(s))
        counter = s.remote("stall", "/counter")
        for _ in range(count):
            counter.tell(b"x" * PENDING)  # each one past the limit: the writer waits for it
        await stall.held.wait()  # the writer waits for the flusher from the same turn on
        stall.released.set()
        async with asyncio.timeout(SAFETY):
            await done.wait()
        assert s.dead_letters.by_reason == {}


async def test_an_ask_waiting_for_the_flusher_keeps_its_timeout(
    server: NatsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    arrived, release = asyncio.Event(), asyncio.Event()
    link = NatsTransport(server.url, pending_size=PENDING)
    async with ActorSystem("stuck", transport=link) as system:
        system.expose(await system.spawn(Gate, arrived, release, name="gate"))
        await link.flush()
        stall = Stall(monkeypatch, client_of(system))
        gate = system.remote("stuck", "/gate")
        loop = asyncio.get_running_loop()
        try:
            asking = asyncio.ensure_future(gate.ask(b"x" * PENDING, timeout=SAFETY))
            await arrived.wait()  # written; its flush is held by the socket
            asking.cancel()
            async with asyncio.timeout(SAFETY / 4):
                with pytest.raises(asyncio.CancelledError):
                    await asking
            started = loop.time()
            async with asyncio.timeout(SAFETY / 4):
                with pytest.raises(AskTimeout):  # the gate holds the first ask still
                    await gate.ask(b"y" * PENDING, timeout=0.3)
            assert 0.3 <= loop.time() - started < SAFETY / 4
            assert link.asks["timeout"] == 1
        finally:
            stall.released.set()
            release.set()


async def test_a_flush_that_fails_is_a_dead_letter_and_the_writer_goes_on(
    server: NatsServer,
) -> None:
    link = NatsTransport(server.url, pending_size=PENDING)
    async with ActorSystem("failing", transport=link) as system:
        probe = await Probe.spawn(system, name="probe")
        system.expose(probe.ref)
        await link.flush()
        remote = system.remote("failing", "/probe")
        sent = link.sent
        with failing_flushes(client_of(system)):
            remote.tell(b"x" * PENDING)
            await link.flush(timeout=SAFETY)
            assert system.dead_letters.by_reason == {"send_failed": 1}
            assert link.rejected["send_failed"] == 1
            assert link.sent == sent  # a dead letter is not counted as sent too
        remote.tell("after")
        while (await probe.receive(timeout=SAFETY)) != "after":
            pass  # the failed publish may have left nats-py's buffer all the same


async def test_tells_queued_when_the_link_drops_wait_for_their_target_to_answer(
    own: NatsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Queued while connected (the writer waiting for nats-py's flusher) and still queued as
    the link drops: they are buffered for the outage like a tell made during it, so a target
    that does not answer after the reconnect makes them dead letters `unreachable`, not
    messages sent to nobody."""
    link = NatsTransport(
        own.url, pending_size=PENDING, buffer_timeout=0.3, reconnect_time_wait=0.05
    )
    async with ActorSystem("cut", transport=link) as system:
        stall = Stall(monkeypatch, client_of(system))
        ghost = system.remote("ghost", "/x")
        ghost.tell(b"x" * PENDING)  # in nats-py's buffer: the writer waits for its flusher
        async with asyncio.timeout(SAFETY):
            await stall.held.wait()
            ghost.tell("queued")
            ghost.tell("behind it")
            own.stop()
            await link.link_down.wait()
            stall.released.set()
            own.start()
            await link.link_up.wait()
        await link.flush(timeout=SAFETY)  # drained: the ghost given up on, or sent to
        assert system.dead_letters.by_reason == {"unreachable": 2}
        assert [d.message for d in system.dead_letters.recent] == ["queued", "behind it"]
