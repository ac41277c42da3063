"""The group commit under an eager task factory (Python 3.12's `asyncio.eager_task_factory`,
which a program may set on its loop): a flusher runs up to its first wait before
`create_task` returns, and may end there (the writes it finds all wait for a journal in
flight)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import cast

import pytest

from actorkit.persistence._batch import Transaction
from actorkit.persistence._group_commit import SPLIT, GroupCommit

from ..test_eager_tasks import EAGER_FACTORY
from .test_group_commit import Gate

pytestmark = [
    pytest.mark.skipif(
        not hasattr(asyncio, "eager_task_factory"), reason="eager tasks: Python 3.12 and later"
    ),
]
if sys.version_info >= (3, 13):
    # on 3.13 uvloop's `create_task` passes the factory `eager_start=None`, which 3.13.0's
    # `eager_task_factory` refuses (TypeError: unexpected keyword argument); 3.12's takes it
    pytestmark.append(pytest.mark.asyncio(loop_factories=["asyncio"]))


@asynccontextmanager
async def no_database(alone: bool) -> AsyncIterator[Transaction]:
    """A transaction for writes of the test's own, which need nothing of it: the group commit
    calls none of its methods for a batch of such writes alone."""
    yield cast("Transaction", object())


async def test_a_flusher_that_ended_at_once_takes_no_place_of_a_batch_in_flight() -> None:
    """Counted among the flushers, it kept the second batch from ever starting beside the
    first, and `drain` (the store's `close`) awaited it over and over without yielding."""
    loop = asyncio.get_running_loop()
    loop.set_task_factory(EAGER_FACTORY)
    try:
        async with asyncio.timeout(10):
            writes = GroupCommit(no_database, lambda count, seconds: None, concurrency=2)
            gates = {"p": Gate(), "p2": Gate(), "q": Gate()}
            first = writes.other("p", gates["p"])
            await gates["p"].entered.wait()
            second = writes.other("p", gates["p2"])  # waits for "p": its flusher ends at once
            gates["p"].release.set()
            await first
            await gates["p2"].entered.wait()  # in the batch after, taken by the first flusher
            beside = writes.other("q", gates["q"])
            await gates["q"].entered.wait()  # in a batch beside it
            gates["p2"].release.set()
            gates["q"].release.set()
            await asyncio.gather(second, beside)
            await writes.drain()
    finally:
        loop.set_task_factory(None)


class Inside:
    """Writes of one journal that count how many of them run at once."""

    def __init__(self) -> None:
        self.entered = asyncio.Event()
        self.release = asyncio.Event()
        self.now = self.most = 0

    async def __call__(self, tx: object) -> None:
        self.now += 1
        self.most = max(self.most, self.now)
        self.entered.set()
        await self.release.wait()
        self.now -= 1


async def test_a_flusher_started_for_the_rest_of_a_long_queue_sees_the_journals_taken() -> None:
    """Started while the first flusher had taken its batch but not yet marked its journals
    busy, it took the same journal's next writes into a batch beside it."""
    loop = asyncio.get_running_loop()
    loop.set_task_factory(EAGER_FACTORY)
    try:
        async with asyncio.timeout(10):
            writes = GroupCommit(no_database, lambda count, seconds: None, concurrency=2)
            held, inside = Gate(), Inside()
            first = writes.other("p", held)
            await held.entered.wait()
            queued = [writes.other("p", inside) for _ in range(2 * SPLIT)]  # all wait for "p"
            held.release.set()
            await first
            await inside.entered.wait()
            assert inside.most == 1
            inside.release.set()
            await asyncio.gather(*queued)
            await writes.drain()
    finally:
        loop.set_task_factory(None)
