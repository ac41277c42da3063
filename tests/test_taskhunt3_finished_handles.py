"""A finished task's handle keeps its result or failure, not its payload (API 6): a handle
kept for its status or result (a registry of jobs by id, a batch awaited in turn) does not
keep every payload it was submitted with alive, as a Celery `AsyncResult` keeps none of its
task's arguments. Before, each finished handle held its payload for as long as it lived."""

from __future__ import annotations

import asyncio
import gc
import weakref

import pytest

from actorkit import ActorSystem, DeadlineExceeded, TaskCancelled, TaskStatus
from actorkit.testing import ManualClock

from .tasks_support import Journal, Worker


class Payload:
    """Stands for a large payload (an image, a document): weakly referenced, to see it go."""

    label = "payload"


async def test_a_handle_kept_after_its_task_ended_lets_its_payload_go(clock: ManualClock) -> None:
    journal: Journal = []
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        await system.spawn(Worker, journal, name="w")
        payloads = [Payload(), Payload(), Payload()]
        alive = [weakref.ref(payload) for payload in payloads]
        done = await system.submit(payloads[0])
        cancelled = await system.submit(payloads[1], requires=("nobody",))
        expired = await system.submit(payloads[2], requires=("nobody",), deadline=1.0)
        del payloads
        assert await done == ("w", "payload")
        assert cancelled.cancel()
        await clock.advance(1.0)
        with pytest.raises(TaskCancelled):
            await cancelled
        with pytest.raises(DeadlineExceeded):
            await expired
        assert [h.status for h in (done, cancelled, expired)] == [
            TaskStatus.SUCCEEDED,
            TaskStatus.CANCELLED,
            TaskStatus.EXPIRED,
        ]
        gc.collect()
        assert [ref() for ref in alive] == [None, None, None]
        assert await done == ("w", "payload")  # what it ended with stays
