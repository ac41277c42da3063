"""A publish that nats-py holds for a forced flush (its buffer past `pending_size`) waits in
`asyncio.wait_for`, which from Python 3.12 is an `asyncio.timeout` bound to the task it is
entered in. Run on the caller's turn (`_eager.publish_now`), it was entered outside any task
(a reply set by an ask's deadline, a loop callback) and raised, or in the caller's task,
which the flush timeout then cancelled. Such publishes now go in a task of their own. On
3.11 these tests pass either way: its `wait_for` binds to no task."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import msgspec
import nats
import pytest

from actorkit import Actor, ActorSystem
from actorkit._nats._frames import ASK, ERROR

from .nats_support import SAFETY, Gate, NatsServer, requires_nats, transport

pytestmark = requires_nats

SMALL = 64
"""nats-py's `pending_size`, in bytes: every publish of a reply passes it, and forces a flush."""


class Echo(Actor):
    async def receive(self, message: Any) -> Any:
        return message


async def test_a_reply_set_by_the_deadline_outside_any_task_reaches_its_asker(
    own: NatsServer, caplog: pytest.LogCaptureFixture
) -> None:
    """The reply went out all the same (nats-py had buffered it before its flush wait
    raised), but was logged as not sent: a caller that retried would send it twice."""
    caplog.set_level(logging.INFO, "actorkit")
    client = await nats.connect(own.url)
    try:
        async with ActorSystem("small", transport=transport(own, pending_size=SMALL)) as system:
            arrived, release = asyncio.Event(), asyncio.Event()
            system.expose(await system.spawn(Gate, arrived, release, name="gate"))
            frame = msgspec.msgpack.encode([ASK, "/gate", "x" * 100, 0.05])
            reply = await client.request("actorkit.actor.small", frame, timeout=SAFETY)
            status, kind, _, _ = msgspec.msgpack.decode(reply.data)
            assert (status, kind) == (ERROR, "actorkit.AskTimeout")
            release.set()
    finally:
        await client.close()
    assert [r.getMessage() for r in caplog.records if "could not send" in r.getMessage()] == []


async def test_a_flush_timeout_never_cancels_the_actor_whose_reply_waits_for_the_flush(
    own: NatsServer,
) -> None:
    link = transport(own, pending_size=SMALL, flush_timeout=1e-6)
    async with ActorSystem("small", transport=link) as system:
        echo = await system.spawn(Echo, name="echo")
        system.expose(echo)
        remote = system.remote("small", "/echo")
        for n in range(3):
            assert await remote.ask("x" * 100 + str(n), timeout=SAFETY) == "x" * 100 + str(n)
        assert echo.is_alive


async def test_a_reply_sent_from_a_callback_driven_answer_reaches_its_asker(
    own: NatsServer,
) -> None:
    """An ask to a pool is answered by a coroutine that its futures' callbacks drive
    (`_eager.Steps`), outside any task, as the deadline's reply above: the error of the
    flush wait went to the loop's exception handler."""
    loop = asyncio.get_running_loop()
    unhandled: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _, context: unhandled.append(context))
    try:
        async with ActorSystem("small", transport=transport(own, pending_size=SMALL)) as system:
            system.expose(await system.spawn_pool(Echo, size=1, name="echoes"))
            remote = system.remote("small", "/echoes")
            assert await remote.ask("x" * 100, timeout=SAFETY) == "x" * 100
    finally:
        loop.set_exception_handler(None)
    assert unhandled == []


async def test_the_tasks_that_finished_replies_are_not_kept(own: NatsServer) -> None:
    """Each reply past `pending_size` is finished by a task, held while it runs (a stop
    cancels it); one that ended is let go, not kept for as long as the transport lives."""
    link = transport(own, pending_size=SMALL)
    async with ActorSystem("small", transport=link) as system:
        system.expose(await system.spawn(Echo, name="echo"))
        remote = system.remote("small", "/echo")
        for n in range(3):
            assert await remote.ask("x" * 100 + str(n), timeout=SAFETY) == "x" * 100 + str(n)
    assert link._inbound.answering == set()  # noqa: SLF001
