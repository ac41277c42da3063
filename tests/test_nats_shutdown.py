"""Shutting down while the NATS link is dead: the transport closes both connections, raises
nothing, and leaves no nats-py task behind."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import time
from typing import Any

import msgspec
import nats
import pytest
from nats.aio.msg import Msg

from actorkit import Actor, ActorStopped, ActorSystem, NotDelivered
from actorkit._nats._frames import ASK, PING
from actorkit.nats import NatsTransport

from .nats_support import SAFETY, NatsServer, link_of, requires_nats, shut_down_frozen

pytestmark = requires_nats


class Holder(Actor):
    """Answers once `release` is set, whatever it was asked."""

    def __init__(self, arrived: asyncio.Event, release: asyncio.Event) -> None:
        self.arrived = arrived
        self.release = release

    async def receive(self, message: Any) -> str:
        self.arrived.set()
        await self.release.wait()
        return "done"


def nats_py_tasks() -> set[asyncio.Task[Any]]:
    def code_file(task: asyncio.Task[Any]) -> str:
        return getattr(getattr(task.get_coro(), "cr_code", None), "co_filename", "")

    return {task for task in asyncio.all_tasks() if "/nats/aio/" in code_file(task)}


async def test_an_answer_after_the_link_died_does_not_break_shutdown(
    caplog: pytest.LogCaptureFixture,
) -> None:
    own = NatsServer()
    own.start()
    asker = ActorSystem("asker", transport=NatsTransport(own.url, reconnect_time_wait=0.05))
    holder_link = NatsTransport(own.url, reconnect_time_wait=0.05)
    holder = ActorSystem("holder", transport=holder_link)
    asking: asyncio.Task[Any] | None = None
    try:
        await asker.start()
        await holder.start()
        arrived, release = asyncio.Event(), asyncio.Event()
        held = await holder.spawn(Holder, arrived, release, name="held")
        holder.expose(held)
        asking = asyncio.create_task(asker.remote("holder", "/held").ask("x", timeout=20))
        await arrived.wait()
        own.stop()
        await holder_link.link_down.wait()
        release.set()
        # Handled after the remote ask, so its answer is queued on the dead connection.
        assert await held.ask("after") == "done"
        await holder.shutdown()  # nats-py would write that answer to the dead socket
        assert "holder: 1 message(s) nats-py held for NATS" in caplog.text  # lost, not silently
        await asker.shutdown()
        assert holder_link.health()["state"] == "closed"
        leftover = nats_py_tasks()
        if leftover:
            _, running = await asyncio.wait(leftover, timeout=2.0)
            assert not running, f"nats-py tasks left after shutdown: {running}"
        with pytest.raises(ActorStopped, match="may or may not have been handled"):
            await asking  # the asker lost its link too
    finally:
        waits = [holder.shutdown(), asker.shutdown(), *([asking] if asking else [])]
        await asyncio.gather(*waits, return_exceptions=True)
        own.stop()


async def test_what_is_sent_after_the_queue_was_given_up_is_refused_at_once() -> None:
    """`stop()` gives up on the queue, then waits for the transport's own tasks before it
    closes the link: a tell or ask made by another task meanwhile (here, one of those tasks
    as it is cancelled) has no writer to send it. The tell is a dead letter `shutdown`, the
    ask fails at once."""
    own = NatsServer()
    own.start()
    link = NatsTransport(own.url)
    system = ActorSystem("closing", transport=link)
    late: list[asyncio.Future[Any]] = []
    waiting = asyncio.Event()

    async def sends_as_it_is_cancelled() -> None:
        try:
            waiting.set()
            await asyncio.Event().wait()
        finally:
            remote = system.remote("closing", "/x")
            remote.tell("late")
            late.append(asyncio.ensure_future(remote.ask("late", timeout=SAFETY)))

    try:
        await system.start()
        link._inbound.answering.add(asyncio.create_task(sends_as_it_is_cancelled()))
        await waiting.wait()
        await system.shutdown()
        assert system.dead_letters.by_reason == {"shutdown": 1}
        assert link.health()["buffered"] == 0
        async with asyncio.timeout(SAFETY / 4):
            with pytest.raises(ActorStopped, match="was not sent"):
                await late[0]
    finally:
        await system.shutdown()
        await asyncio.gather(*late, return_exceptions=True)
        own.stop()


async def test_shutdown_ends_though_the_server_stopped_reading(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A frozen server (or a host gone without a reset) never drains the socket: nats-py's
    `close` waited for it, and the shutdown with it, forever. What it held is not lost
    without a word: the log says how much."""
    own = NatsServer()
    own.start()
    assert own.process is not None
    link = NatsTransport(own.url, connect_timeout=0.5)
    system = ActorSystem("frozen", transport=link)
    try:
        await system.start()
        await shut_down_frozen(own, system)
        assert not nats_py_tasks()
        assert not link.connected
        assert "its connection was dropped with" in caplog.text
    finally:
        os.kill(own.process.pid, signal.SIGCONT)
        own.stop()


class Echo(Actor):
    async def receive(self, message: Any) -> Any:
        return message


async def test_requests_in_flight_when_a_system_shuts_down_are_refused_not_lost(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """nats-py's `close` stops reading first, and the server routes requests to the system
    until it sees the connection go: those were lost, their asks waiting for their whole
    timeout. Now the system leaves its subject before closing: a request sent then finds no
    responder at once."""
    own = NatsServer()
    own.start()
    try:
        async with ActorSystem("asker", transport=NatsTransport(own.url)) as asker:
            target = ActorSystem("target", transport=NatsTransport(own.url))
            await target.start()
            target.expose(await target.spawn(Echo, name="echo"))
            echo = asker.remote("target", "/echo")
            assert await echo.ask(1) == 1
            link = link_of(target)._link
            nc, close = link.connection, link.close
            outcome: list[object] = []

            async def stop_reading_then_close() -> None:
                assert nc._reading_task is not None
                nc._reading_task.cancel()  # what `close` does first
                try:
                    outcome.append(await echo.ask(2, timeout=SAFETY / 4))
                except Exception as error:
                    outcome.append(error)
                await close()

            monkeypatch.setattr(link, "close", stop_reading_then_close)
            await target.shutdown()
            assert len(outcome) == 1
            assert isinstance(outcome[0], NotDelivered)
    finally:
        own.stop()


async def test_leaving_its_subject_gives_up_on_an_answer_that_never_leaves(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Leaving waits for the subscription's callback to handle what NATS routed here. Its
    answer waits for nats-py's flusher, with no bound once nats-py's buffer is over its limit:
    a server that stops reading then (as the round trip ended) held the shutdown for ever.
    Here a ping's answer never leaves (and swallows its cancellation, as nats-py's wait
    does); the ask queued behind it is settled without an answer: a dead letter."""
    own = NatsServer()
    own.start()
    link = NatsTransport(own.url, connect_timeout=0.5)
    system = ActorSystem("stuck", transport=link)
    answering, never = asyncio.Event(), asyncio.Event()
    handle = link._inbound.on_request

    async def answer_never_leaves(msg: Msg, group: str | None = None) -> None:
        if answering.is_set():
            await handle(msg, group)
            return
        answering.set()
        with contextlib.suppress(asyncio.CancelledError):
            await never.wait()

    monkeypatch.setattr(link._inbound, "on_request", answer_never_leaves)
    client = await nats.connect(own.url)
    try:
        await system.start()
        system.expose(await system.spawn(Echo, name="echo"))
        for slots in ([PING, "", None, None], [ASK, "/echo", "queued", 5.0]):
            await client.publish("actorkit.actor.stuck", msgspec.msgpack.encode(slots), "_INBOX.x")
        await client.flush()  # routed to the system ahead of its leaving's round trip
        async with asyncio.timeout(SAFETY):
            await answering.wait()
            await system.shutdown()
        assert system.dead_letters.by_reason == {"shutdown": 1}  # refused: it shuts down
        await client.close()
        assert not nats_py_tasks()
    finally:
        never.set()
        await system.shutdown()
        await client.close()
        own.stop()


class Stuck(Actor):
    """Handles its first message until cancelled; its `on_stop` says it ran."""

    def __init__(self, arrived: asyncio.Event, stopped: list[str]) -> None:
        self.arrived = arrived
        self.stopped = stopped

    async def receive(self, message: Any) -> None:
        self.arrived.set()
        await asyncio.Event().wait()

    async def on_stop(self) -> None:
        self.stopped.append(self.path)


def test_a_shutdown_cut_short_by_the_end_of_asyncio_run_still_closes_what_it_holds(
    server: NatsServer,
) -> None:
    """Ctrl-C during a shutdown: `asyncio.run` cancels its main task, then every task left,
    the shutdown's own among them. The HTTP port is free and both NATS connections are
    closed when `asyncio.run` returns, without waiting out the transport's goodbyes (nats-py's
    tasks were cancelled too: each would wait its `connect_timeout`). A sync test: the loop
    must be `asyncio.run`'s own."""
    stopped: list[str] = []
    system = ActorSystem("interrupted", transport=NatsTransport(server.url, connect_timeout=10))
    port = 0

    async def main() -> None:
        nonlocal port
        async with asyncio.timeout(SAFETY):
            await system.start()
            port = (await system.serve_http(port=0)).port
            arrived = asyncio.Event()
            (await system.spawn(Stuck, arrived, stopped, name="stuck")).tell("hold")
            await arrived.wait()
            main_task = asyncio.current_task()
            assert main_task is not None
            asyncio.get_running_loop().call_soon(main_task.cancel)  # once the shutdown began
            await system.shutdown(timeout=SAFETY)

    began = time.monotonic()
    with pytest.raises(asyncio.CancelledError):
        asyncio.run(main())
    assert time.monotonic() - began < 5.0
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", port))  # EADDRINUSE if the endpoint was left listening
    link = link_of(system)._link
    assert link.nc is not None and link.nc.is_closed
    assert link.topics is not None and link.topics.is_closed
    assert stopped == ["/stuck"]  # started, so its `on_stop` runs, whoever cancelled its task
