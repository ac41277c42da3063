"""`submit`: argument checks, the task record, and submitting around startup and shutdown."""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import logging
import math
import warnings
from typing import Any

import pytest

from actorkit import Actor, ActorStopped, ActorSystem, OneForOne, Task, TaskStatus
from actorkit.testing import ManualClock

from .tasks_support import Block, Echo, Journal, Worker, labels


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        ({"retries": -1}, ValueError, "retries must be >= 0"),
        ({"retries": 1.5}, TypeError, "retries must be an int"),
        ({"retries": True}, TypeError, "retries must be an int"),
        ({"priority": 1.5}, TypeError, "priority must be an int"),
        ({"priority": "high"}, TypeError, "priority must be an int"),
        ({"deadline": 0}, ValueError, "deadline must be > 0 seconds and finite from now"),
        ({"deadline": -1.0}, ValueError, "deadline must be > 0 seconds and finite"),
        ({"deadline": math.nan}, ValueError, "deadline must be > 0 seconds and finite"),
        ({"deadline": math.inf}, ValueError, "None for no deadline"),
        ({"deadline": "5"}, TypeError, "deadline must be a number of seconds"),
        ({"requires": "gpu"}, TypeError, "requires must be an iterable"),
        ({"requires": 5}, TypeError, "requires must be an iterable"),
        ({"requires": ["gpu", 3]}, TypeError, "non-empty str"),
        (
            {"requires": [""]},
            ValueError,
            "each required capability in requires must be a non-empty str, got ''",
        ),
        ({"requires": ("gpu", 3)}, TypeError, "non-empty str"),
        ({"requires": ("gpu", [])}, TypeError, "non-empty str"),
        ({"requires": frozenset({"gpu", ""})}, ValueError, "must be a non-empty str, got ''"),
    ],
)
async def test_bad_submit_arguments_say_what_to_change(
    options: dict[str, Any], error: type[Exception], match: str
) -> None:
    async with ActorSystem() as system:
        with pytest.raises(error, match=match):
            await system.submit("x", **options)
        assert sum(system.tasks.by_status.values()) == 0


class Requirements(Actor):
    """An agent that answers with what each task requires."""

    capabilities = frozenset({"gpu", "en"})

    async def receive(self, message: Task) -> frozenset[str]:
        return message.requires


async def test_an_agent_gets_a_frozen_task_record_equal_to_one_built_by_hand() -> None:
    async with ActorSystem() as system:
        await system.spawn(Echo)
        handle = await system.submit({"k": 1}, priority=3, deadline=60.0, requires=["echo"])
        task = await handle
    assert type(task) is Task
    assert task == Task(handle.id, {"k": 1}, 3, task.deadline, frozenset({"echo"}), 1)
    assert task.deadline is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        task.attempt = 2  # type: ignore[misc]
    assert repr(task).startswith("Task(id=")


async def test_equal_requirement_tuples_share_one_checked_set() -> None:
    async with ActorSystem() as system:
        await system.spawn(Requirements)
        first = await (await system.submit("a", requires=("gpu", "en")))
        second = await (await system.submit("b", requires=("gpu", "en")))
        third = await (await system.submit("c", requires=["en", "gpu"]))
    assert first == third == {"gpu", "en"}
    assert first is second


async def test_submit_needs_a_running_system() -> None:
    system = ActorSystem()
    with pytest.raises(RuntimeError, match="not started"):
        await system.submit("x")
    await system.start()
    await system.shutdown()
    with pytest.raises(ActorStopped, match="shutting down"):
        await system.submit("x")


class SetsOnRecord(logging.Handler):
    """Sets `event` when a record starting with `prefix` is logged: in the very call that logs
    it, so the waiter runs before anything the logging code schedules after."""

    def __init__(self, prefix: str, event: asyncio.Event) -> None:
        super().__init__()
        self.prefix = prefix
        self.event = event

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith(self.prefix):
            self.event.set()


async def test_submit_right_after_a_root_failure_says_the_system_is_stopping() -> None:
    failed = asyncio.Event()
    handler = SetsOnRecord("actor system actorkit failed", failed)
    logger = logging.getLogger("actorkit")
    logger.addHandler(handler)
    try:
        escalate = OneForOne(decider={RuntimeError: "escalate"})
        system = await ActorSystem(supervisor=escalate).start()
        worker = await system.spawn(Worker, [], name="w")
        worker.tell("crash")
        await failed.wait()  # the shutdown the failure begins is scheduled for after this
        with pytest.raises(ActorStopped, match="shutting down"):
            await system.submit("x")
        await system.shutdown()
    finally:
        logger.removeHandler(handler)
    assert isinstance(system.failure, RuntimeError)


async def test_shutdown_fails_pending_tasks_and_lets_running_ones_finish(
    clock: ManualClock,
) -> None:
    journal: Journal = []
    system = await ActorSystem(clock=clock).start()
    await system.spawn(Worker, journal, name="w")
    gate = Block()
    running = await system.submit(gate)
    queued = await system.submit("queued")
    stranded = await system.submit("stranded", requires=["nobody"], deadline=100.0)
    shutting = asyncio.ensure_future(system.shutdown())
    for handle in (queued, stranded):
        with pytest.raises(ActorStopped, match="shut down"):
            await handle
        assert handle.status is TaskStatus.FAILED
    gate.release.set()
    await shutting
    assert await running == ("w", "block")
    assert clock.pending == 0
    assert system.tasks.by_status == {
        "pending": 0,
        "running": 0,
        "succeeded": 1,
        "failed": 2,
        "expired": 0,
        "cancelled": 0,
    }
    assert labels(journal) == ["block"]


async def test_an_awaitable_taken_from_a_pending_handle_and_dropped_leaves_no_warning() -> None:
    """`__await__` gives an iterator that runs nothing until iterated, as a generator does:
    one taken and dropped (a library that inspects an awaitable, or never gets to drive it)
    must not leave an unawaited `result()` coroutine to warn about."""
    async with asyncio.timeout(10), ActorSystem() as system:
        handle = await system.submit("x", requires=["nobody"])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            iterator = handle.__await__()
            del iterator
            gc.collect()
        assert [str(warning.message) for warning in caught] == []
        assert handle.cancel() is True


async def test_a_handle_and_the_task_stats_show_their_state_in_their_repr() -> None:
    async with ActorSystem() as system:
        handle = await system.submit("x", requires=("nobody",))
        assert repr(handle) == f"<TaskHandle {handle.id} pending attempt=1>"
        assert repr(system.tasks) == (
            "<TaskStats pending=1, running=0, succeeded=0, failed=0, expired=0, cancelled=0>"
        )
        handle.cancel()
        assert repr(handle) == f"<TaskHandle {handle.id} cancelled attempt=1>"
