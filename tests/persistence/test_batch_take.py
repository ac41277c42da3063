"""How the group commit cuts its queue (`_batch.take`): every live write goes in exactly one
batch, none over the row limit, and a cancelled caller's write in none. Driven directly: a
store would need hundreds of writes queued behind a held commit to reach these cuts."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit.persistence._batch import MAX_BATCH, MAX_BATCH_BYTES, Write, take


def writes(count: int, size: int = 0) -> list[Write[Any]]:
    loop = asyncio.get_running_loop()
    return [Write(loop.create_future(), f"w{index}", size=size) for index in range(count)]


def drain(pending: list[Write[Any]]) -> list[list[Write[Any]]]:
    batches = []
    while pending:
        batch, pending = take(pending)
        batches.append(batch)
    return batches


async def test_one_write_over_the_row_limit_waits_for_the_next_batch() -> None:
    pending = writes(MAX_BATCH + 1)
    assert drain(list(pending)) == [pending[:MAX_BATCH], pending[MAX_BATCH:]]


async def test_a_cancelled_write_is_left_out_and_the_live_ones_are_taken_once() -> None:
    pending = writes(MAX_BATCH + 3)
    for cancelled in (pending[0], pending[MAX_BATCH // 2]):
        cancelled.future.cancel()
    live = [write for write in pending if not write.future.done()]
    assert drain(list(pending)) == [live[:MAX_BATCH], live[MAX_BATCH:]]


async def test_writes_filling_the_byte_limit_exactly_go_together() -> None:
    pending = writes(4, size=MAX_BATCH_BYTES // 4)
    extra = writes(1, size=1)
    assert drain(pending + extra) == [pending, extra]
