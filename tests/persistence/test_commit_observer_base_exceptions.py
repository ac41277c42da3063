"""A store's `on_commit` observer that raises a `BaseException` that is no exit (a custom
`class Abort(BaseException)`, a stray `CancelledError`) is logged and contained as one that
raises an `Exception` is: the write it observed committed, and is answered so; the writes
after it are too. Before, it passed the store's `except Exception`: on the SQL stores it
ended the writer task (asyncio's "Task exception was never retrieved", or nothing at all for
a `CancelledError`), failing the writes queued behind the batch with "the store's writer
stopped"; on `MemoryStore` it failed the write's own caller though the write was stored."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import pytest

from actorkit import ActorSystem, message
from actorkit.persistence import EventSourced, MemoryStore

from .conftest import MakeStore

pytestmark = pytest.mark.timeout(30)


class Abort(BaseException):
    """A user's own control-flow signal, not an `Exception`."""


RAISED = [Abort("observer aborts"), asyncio.CancelledError("observer cancelled")]


def failing_once(error: BaseException) -> Any:
    calls: list[int] = []

    def observer(writes: int, seconds: float) -> None:
        calls.append(writes)
        if len(calls) == 1:
            raise error

    return observer


@pytest.mark.parametrize("error", RAISED, ids=["custom", "CancelledError"])
async def test_an_observer_raising_a_base_exception_fails_no_write(
    make_store: MakeStore, error: BaseException, caplog: pytest.LogCaptureFixture
) -> None:
    async with asyncio.timeout(10), make_store() as store:
        store.on_commit = failing_once(error)
        assert isinstance(await store.append("a", 0, [b"1"]), float)
        written = await asyncio.gather(*(store.append(f"b{n}", 0, [b"1"]) for n in range(20)))
        assert all(isinstance(when, float) for when in written)
        assert await store.save_state("s", 0, b"state") == 1
        assert await store.highest_seq("a") == 1
    assert caplog.text.count("commit observer failed") == 1
    assert str(error.args[0]) in caplog.text
    assert "never retrieved" not in caplog.text


@message
@dataclasses.dataclass
class ObservedAdd:
    amount: int


class Tally(EventSourced):
    def __init__(self) -> None:
        self.total = 0

    def apply(self, event: ObservedAdd) -> None:
        self.total += event.amount

    async def receive(self, message: Any) -> Any:
        await self.persist(ObservedAdd(message))
        return self.total


async def test_a_durable_actor_s_persist_is_answered_past_an_aborting_observer(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The persist that carried the observed commit returns: the actor neither fails nor
    restarts for its store's observer."""
    store = MemoryStore()
    store.on_commit = failing_once(Abort("observer aborts"))
    async with asyncio.timeout(10), ActorSystem("observed", store=store) as system:
        tally = await system.spawn(Tally, name="t")
        assert [await tally.ask(1) for _ in range(3)] == [1, 2, 3]
        assert system.healthy
    assert "failed handling" not in caplog.text
    assert caplog.text.count("commit observer failed") == 1
