"""Ending many pending tasks at once (cancelled one by one, or failed by a shutdown): the
error each ends with is built when its handle is first read, as asyncio builds a cancelled
future's `CancelledError`; the counts, the error's words and its identity at every read are
as when it was built at once. The work is counted, not timed."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

import pytest

from actorkit import ActorStopped, ActorSystem, TaskCancelled, TaskStatus
from actorkit._tasks import _layer
from actorkit._tasks._handle import TaskHandle

NOBODY = ("nobody",)
"""A requirement no agent has: the task stays pending."""


def count_built(monkeypatch: pytest.MonkeyPatch, kind: type[BaseException]) -> list[str]:
    """The words of every `kind` built from now on whose words are about a task."""
    built: list[str] = []
    make = kind.__init__

    def counted(self: BaseException, *args: Any) -> None:
        if args and str(args[0]).startswith("task "):
            built.append(str(args[0]))
        make(self, *args)

    monkeypatch.setattr(kind, "__init__", counted)
    return built


async def test_cancelling_pending_tasks_builds_no_error_until_a_handle_is_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built = count_built(monkeypatch, TaskCancelled)
    async with asyncio.timeout(10), ActorSystem() as system:
        handles = [await system.submit(i, requires=NOBODY) for i in range(300)]
        # Out of submission order too, so that removals leave stale entries in the index.
        assert all(handle.cancel() for handle in handles[1::2])
        assert all(handle.cancel() for handle in reversed(handles[::2]))
        assert not any(handle.cancel() for handle in handles)
        assert built == []
        assert {handle.status for handle in handles} == {TaskStatus.CANCELLED}
        assert all(handle.finished_at is not None for handle in handles)
        counts = system.tasks.by_status
        assert (counts["cancelled"], counts["pending"], counts["running"]) == (300, 0, 0)
        assert system.tasks.unservable == 0
        read = handles[7]
        with pytest.raises(TaskCancelled, match=rf"^task {read.id} was cancelled$") as first:
            await read
        with pytest.raises(TaskCancelled) as again:
            await read.result()
        assert again.value is first.value
        assert (first.value.__cause__, first.value.__context__) == (None, None)
        assert built == [f"task {read.id} was cancelled"]


async def test_a_cancel_wakes_its_awaiters_with_the_error_built_for_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built = count_built(monkeypatch, TaskCancelled)
    async with asyncio.timeout(10), ActorSystem() as system:
        handle = await system.submit("x", requires=NOBODY, retries=2)
        waiting = [asyncio.ensure_future(handle.result()) for _ in range(3)]
        await asyncio.sleep(0)  # every waiter is waiting
        assert handle.cancel() is True
        errors = await asyncio.gather(*waiting, return_exceptions=True)
    assert all(isinstance(error, TaskCancelled) for error in errors)
    assert all(error is errors[0] for error in errors)
    assert built == [f"task {handle.id} was cancelled"]


async def test_tasks_pending_at_shutdown_fail_without_an_error_each_until_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built = count_built(monkeypatch, ActorStopped)
    async with asyncio.timeout(10):
        system = await ActorSystem().start()
        handles = [await system.submit(i, requires=NOBODY) for i in range(300)]
        await system.shutdown()
    assert built == []
    assert {handle.status for handle in handles} == {TaskStatus.FAILED}
    assert system.tasks.by_status["failed"] == 300
    read = handles[11]
    words = (
        f"task {read.id} never started: the actor system {system.name!r} is shut down (or "
        "shutting down, or failed: `system.failure` holds why)"
    )
    with pytest.raises(ActorStopped, match=f"^{re.escape(words)}$") as first:
        await read
    with pytest.raises(ActorStopped) as again:
        await read
    assert again.value is first.value
    assert first.value.__cause__ is None
    assert built == [words]


async def test_tasks_pending_at_shutdown_wake_their_awaiters_best_first() -> None:
    """As pending tasks would have been served: highest priority, then first submitted."""
    woken: list[int] = []

    async def wait(handle: TaskHandle) -> None:
        with pytest.raises(ActorStopped):
            await handle
        woken.append(handle.id)

    async with asyncio.timeout(10):
        system = await ActorSystem().start()
        handles = [
            await system.submit(i, priority=i % 3, requires=(f"r{i % 4}",)) for i in range(24)
        ]
        waiters = [asyncio.ensure_future(wait(handle)) for handle in reversed(handles)]
        await asyncio.sleep(0)
        await system.shutdown()
        await asyncio.gather(*waiters)
    expected = sorted(handles, key=lambda handle: (-((handle.id - 1) % 3), handle.id))
    assert woken == [handle.id for handle in expected]


TASKS_DIR = os.path.dirname(_layer.__file__)


@contextmanager
def lines_in_task_layer() -> Iterator[list[int]]:
    """Counts the lines of the task layer's modules run meanwhile: its work, whatever the
    machine's speed."""
    lines = [0]

    def line(frame: FrameType, event: str, arg: object) -> Any:
        if event == "line":
            lines[0] += 1
        return line

    def call(frame: FrameType, event: str, arg: object) -> Any:
        return line if frame.f_code.co_filename.startswith(TASKS_DIR) else None

    before = sys.gettrace()
    sys.settrace(call)
    try:
        yield lines
    finally:
        sys.settrace(before)


async def test_shutdown_fails_pending_tasks_in_work_linear_in_them_and_their_sets() -> None:
    """Not a scan of every requirement set per pending task: 600 tasks over 60 sets once
    took some 170,000 lines to fail."""
    tasks, sets = 600, 60
    async with asyncio.timeout(30):
        system = await ActorSystem().start()
        handles = [await system.submit(i, requires=(f"r{i % sets}",)) for i in range(tasks)]
        with lines_in_task_layer() as lines:
            await system.shutdown()
    assert {handle.status for handle in handles} == {TaskStatus.FAILED}
    assert lines[0] < 25 * (tasks + sets), lines[0]
