"""`_nats._eager`: publishing on the caller's turn, and answers driven by their futures."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import pytest
from nats.aio.client import Client

from actorkit._nats._eager import Steps, publish_now


class FakeClient:
    """A `publish` that suspends on `gate` when one is set, like nats-py over its pending
    limit waiting for its flusher."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes, str]] = []
        self.gate: asyncio.Future[None] | None = None
        self.finished = 0

    async def publish(self, subject: str, payload: bytes, reply: str = "") -> None:
        self.sent.append((subject, payload, reply))
        if self.gate is not None:
            await self.gate
        self.finished += 1


def client(fake: FakeClient) -> Client:
    return cast(Client, fake)


async def test_a_publish_that_does_not_suspend_is_done_on_return() -> None:
    fake = FakeClient()
    assert publish_now(client(fake), "a.b", b"x", "r") is None
    assert fake.sent == [("a.b", b"x", "r")] and fake.finished == 1


async def test_a_publish_that_suspends_is_finished_by_the_returned_task() -> None:
    fake = FakeClient()
    fake.gate = asyncio.get_running_loop().create_future()
    finishing = publish_now(client(fake), "a.b", b"x")
    assert finishing is not None and fake.sent and fake.finished == 0
    fake.gate.set_result(None)
    await finishing
    assert fake.finished == 1


async def test_an_error_while_suspended_reaches_the_publish_and_the_task() -> None:
    fake = FakeClient()
    fake.gate = asyncio.get_running_loop().create_future()
    finishing = publish_now(client(fake), "a.b", b"x")
    assert finishing is not None
    fake.gate.set_exception(ConnectionError("gone"))
    with pytest.raises(ConnectionError, match="gone"):
        await finishing
    assert fake.finished == 0


async def test_a_publish_still_waiting_when_its_task_runs_is_finished_by_it() -> None:
    """The future the publish waits for is still pending when the task first runs: its own
    `await` marked it as awaited, so the task must not await it a second time."""
    fake = FakeClient()
    loop = asyncio.get_running_loop()
    fake.gate = loop.create_future()
    finishing = publish_now(client(fake), "a.b", b"x")
    assert finishing is not None
    loop.call_soon(fake.gate.set_result, None)  # after the task's first step
    await finishing
    assert fake.finished == 1


async def test_an_error_while_still_waiting_reaches_the_publish_and_the_task() -> None:
    fake = FakeClient()
    loop = asyncio.get_running_loop()
    fake.gate = loop.create_future()
    finishing = publish_now(client(fake), "a.b", b"x")
    assert finishing is not None
    loop.call_soon(fake.gate.set_exception, ConnectionError("gone"))
    with pytest.raises(ConnectionError, match="gone"):
        await finishing
    assert fake.finished == 0


async def test_a_cancelled_task_ends_cancelled_though_the_publish_swallows_it() -> None:
    """nats-py's flush wait swallows `CancelledError`: the task must end cancelled anyway, or
    whoever cancelled it (the writer at `stop`) would carry on as if nothing happened."""
    heard: list[str] = []

    class Swallowing(FakeClient):
        async def publish(self, subject: str, payload: bytes, reply: str = "") -> None:
            try:
                await super().publish(subject, payload, reply)
            except asyncio.CancelledError:
                heard.append("cancelled")

    fake = Swallowing()
    loop = asyncio.get_running_loop()
    fake.gate = loop.create_future()
    finishing = publish_now(client(fake), "a.b", b"x")
    assert finishing is not None
    loop.call_soon(finishing.cancel)  # while it waits
    with pytest.raises(asyncio.CancelledError):
        await finishing
    assert heard == ["cancelled"] and finishing.cancelled()


async def test_an_error_before_suspending_is_raised_to_the_caller() -> None:
    class Closed:
        async def publish(self, subject: str, payload: bytes, reply: str = "") -> None:
            raise RuntimeError("closed")

    with pytest.raises(RuntimeError, match="closed"):
        publish_now(cast(Client, Closed()), "a.b", b"x")


async def test_steps_run_at_once_then_from_the_futures_they_wait_for() -> None:
    loop = asyncio.get_running_loop()
    first: asyncio.Future[int] = loop.create_future()
    done = asyncio.Event()
    trail: list[Any] = []

    async def answer() -> None:
        trail.append("started")
        trail.append(await first)
        await asyncio.sleep(0)  # a bare yield is resumed too
        trail.append("after yield")
        done.set()

    steps = Steps()
    steps.start(answer())
    assert trail == ["started"] and len(steps.running) == 1  # the first step ran in start
    first.set_result(7)
    await done.wait()
    assert trail == ["started", 7, "after yield"] and not steps.running


async def test_close_abandons_a_waiting_step_and_its_future_may_still_complete() -> None:
    loop = asyncio.get_running_loop()
    pending: asyncio.Future[int] = loop.create_future()
    cleaned = []

    async def answer() -> None:
        try:
            await pending
        finally:
            cleaned.append(True)

    steps = Steps()
    steps.start(answer())
    steps.close()
    assert cleaned == [True] and not steps.running
    pending.set_result(1)  # its done-callback finds the step closed: nothing happens
    await asyncio.sleep(0)


async def test_a_step_that_is_cancelled_leaves_quietly() -> None:
    loop = asyncio.get_running_loop()
    pending: asyncio.Future[int] = loop.create_future()

    async def answer() -> None:
        await pending

    steps = Steps()
    steps.start(answer())
    pending.cancel()
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert not steps.running


async def test_a_publish_waiting_on_after_swallowing_a_cancellation_is_finished_first() -> None:
    """The task drives the publish to its end before it ends cancelled: left suspended,
    the publish would never take nats-py's buffer back."""
    trail: list[str] = []
    loop = asyncio.get_running_loop()
    then: asyncio.Future[None] = loop.create_future()

    class WaitingOn(FakeClient):
        async def publish(self, subject: str, payload: bytes, reply: str = "") -> None:
            try:
                await super().publish(subject, payload, reply)
            except asyncio.CancelledError:
                trail.append("cancelled")
                await then  # still waiting for its flusher
                trail.append("finished")

    fake = WaitingOn()
    fake.gate = loop.create_future()
    finishing = publish_now(client(fake), "a.b", b"x")
    assert finishing is not None
    loop.call_soon(finishing.cancel)
    loop.call_soon(loop.call_soon, then.set_result, None)
    with pytest.raises(asyncio.CancelledError):
        await finishing
    assert trail == ["cancelled", "finished"] and finishing.cancelled()


async def test_a_step_that_fails_raises_its_error_and_is_no_longer_running() -> None:
    """Steps catch their own errors: one that gets out is a bug, raised to whoever drives
    it (here `start`; later, a future's callback, to the loop's handler), never swallowed."""

    async def answer() -> None:
        raise RuntimeError("a bug in an answer")

    steps = Steps()
    with pytest.raises(RuntimeError, match="a bug in an answer"):
        steps.start(answer())
    assert not steps.running
