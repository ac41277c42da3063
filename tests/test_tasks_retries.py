"""Failed task attempts: retried elsewhere, the last failure raised, taken back by identity."""

from __future__ import annotations

import asyncio
import gc
import traceback
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, NotDelivered, OneForOne, TaskStatus

from .tasks_support import Block, Fail, Journal, Worker


async def test_a_failed_attempt_is_retried_on_another_idle_agent() -> None:
    journal: Journal = []
    async with ActorSystem() as system:
        await system.spawn(Worker, journal, name="flaky")
        await system.spawn(Worker, journal, name="steady")
        handle = await system.submit(Fail("job", times=1), retries=2)
        assert await handle == ("steady", "job")
        assert handle.attempt == 2
    assert journal == [("flaky", "job", 1), ("steady", "job", 2)]


async def test_a_retried_task_keeps_its_place_in_the_queue() -> None:
    journal: Journal = []
    async with ActorSystem() as system:
        await system.spawn(Worker, journal, name="solo")
        handles = [
            await system.submit(Fail("first", times=1), retries=1),
            await system.submit("second"),
            await system.submit("third"),
        ]
        assert await asyncio.gather(*handles) == [
            ("solo", "first"),
            ("solo", "second"),
            ("solo", "third"),
        ]
    assert journal == [
        ("solo", "first", 1),
        ("solo", "first", 2),
        ("solo", "second", 1),
        ("solo", "third", 1),
    ]


async def test_when_retries_run_out_the_last_failure_is_raised() -> None:
    journal: Journal = []
    async with ActorSystem(supervisor=OneForOne(max_restarts=10)) as system:
        await system.spawn(Worker, journal, name="a")
        await system.spawn(Worker, journal, name="b")
        handle = await system.submit(Fail("doomed", times=99), retries=2)
        with pytest.raises(RuntimeError, match="doomed failed attempt 3"):
            await handle
        assert handle.status is TaskStatus.FAILED
        assert handle.attempt == 3
        once = await system.submit(Fail("once", times=1))
        with pytest.raises(RuntimeError, match="once failed attempt 1"):
            await once
        assert system.tasks.by_status["failed"] == 2
    assert [attempt for _, _, attempt in journal] == [1, 2, 3, 1]


async def test_each_await_of_a_failed_task_raises_its_failure_with_the_same_traceback() -> None:
    """Not with the frames of every earlier await appended (the one exception object is
    raised to each awaiter), which would grow without bound and keep those callers alive."""
    locals_of_callers: list[weakref.ref[Block]] = []

    async def depth_seen_by_a_caller(wait: Callable[[], Awaitable[Any]]) -> int:
        local = Block()  # stands for a caller's large local: freed once the caller returns
        locals_of_callers.append(weakref.ref(local))
        with pytest.raises(RuntimeError, match="doomed failed attempt 1") as raised:
            await wait()
        return len(traceback.extract_tb(raised.value.__traceback__))

    async with asyncio.timeout(10), ActorSystem() as system:
        await system.spawn(Worker, [], name="w")
        handle = await system.submit(Fail("doomed", times=1))

        async def await_handle() -> Any:
            return await handle

        await depth_seen_by_a_caller(await_handle)  # waits for it to fail
        for wait in (await_handle, handle.result):
            depths = [await depth_seen_by_a_caller(wait) for _ in range(20)]
            assert depths == [depths[0]] * 20
        gc.collect()
        assert [ref() for ref in locals_of_callers[:-1]] == [None] * 40


async def test_a_not_delivered_raised_by_the_agent_itself_is_a_failed_attempt() -> None:
    class Relay(Actor):
        capabilities = ("relay",)
        attempts = 0

        async def receive(self, message: Any) -> Any:
            Relay.attempts += 1
            raise NotDelivered("an ask of the agent's own was not delivered")

    async with ActorSystem() as system:
        await system.spawn(Relay, name="relay")
        handle = await system.submit("x", retries=1)
        with pytest.raises(NotDelivered):
            await handle
        assert (handle.status, handle.attempt, Relay.attempts) == (TaskStatus.FAILED, 2, 2)


async def test_a_crash_on_an_ordinary_message_hands_the_queued_task_to_another_agent() -> None:
    journal: Journal = []
    async with ActorSystem() as system:
        first = await system.spawn(Worker, journal, name="first")
        await system.spawn(Worker, journal, name="second")
        doomed = Block("doomed", fail=True)
        first.tell(doomed)
        await doomed.entered.wait()
        handle = await system.submit("job")  # dispatched to `first`, behind `doomed`
        doomed.release.set()
        assert await handle == ("second", "job")
        assert handle.attempt == 1
        assert system.accounting().balanced
    assert journal == [("second", "job", 1)]


class OddEquality:
    """An ordinary message whose `==` misbehaves: it raises (as a numpy array's does) or answers
    True to everything (as `unittest.mock.ANY` does)."""

    def __init__(self, raises: bool) -> None:
        self.raises = raises
        self.handled_by: list[str] = []

    def __eq__(self, other: object) -> bool:
        if self.raises:
            raise ValueError("the truth value of an array is ambiguous")
        return True

    __hash__ = object.__hash__


class OddAware(Worker):
    async def receive(self, message: Any) -> Any:
        if isinstance(message, OddEquality):
            message.handled_by.append(self.name)
            return None
        return await super().receive(message)


@pytest.mark.parametrize("raises", [True, False], ids=["eq-raises", "eq-always-true"])
async def test_a_task_is_taken_back_by_identity_whatever_the_messages_queued_before_it(
    raises: bool,
) -> None:
    journal: Journal = []
    async with ActorSystem() as system:
        first = await system.spawn(OddAware, journal, name="first")
        await system.spawn(OddAware, journal, name="second")
        doomed = Block("doomed", fail=True)
        first.tell(doomed)
        await doomed.entered.wait()
        odd = OddEquality(raises)
        first.tell(odd)
        handle = await system.submit("job")  # dispatched to `first`, behind `odd`
        doomed.release.set()  # `first` fails: its queued task is taken back
        assert await handle == ("second", "job")
        assert await first.ask("sync") is None  # `first` has handled all it had queued
        assert odd.handled_by == ["first"]  # not taken back in the task's place
        assert system.dead_letters.count == 0
        assert system.accounting().balanced
    assert journal == [("second", "job", 1)]  # run once, not also on `first`
