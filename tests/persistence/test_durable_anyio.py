"""A durable write cut short by an anyio cancel scope (`move_on_after`, `fail_after`, a
cancelled task group around `persist`, `save` or a reminder in a handler): the scope cancels
its task again at every await until it is left, so the waits a cancelled write makes before
its cancellation goes on (its commit's fate, then the store read back) must not be cut
short, nor spin, woken by a new cancellation at every turn of the loop, for as long as the
store takes. The write ends as stored or not, and the scope gets its cancellation back."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import pytest

from actorkit import ActorSystem
from actorkit.persistence import SQLiteStore
from actorkit.persistence._group_commit import GroupCommit
from actorkit.testing import instance

from .test_durable_read_back_cancelled import Counter, Kept, SlowReadBack

pytestmark = pytest.mark.timeout(30)

TURNS = 30
"""Loop turns the write is held for after its scope was cancelled: a wait that is woken by
every re-delivered cancellation counts about one per turn."""


def in_a_scope(write: Callable[[], Awaitable[object]]) -> tuple[anyio.CancelScope, Any]:
    """`write()` in a task of its own, inside a cancel scope the test cancels."""
    scope = anyio.CancelScope()

    async def scoped() -> object:
        with scope:
            return await write()
        return "cut short"

    return scope, asyncio.ensure_future(scoped())


async def deliveries(task: asyncio.Task[Any]) -> int:
    """The cancellations asked of `task` (uncounted when its scope ends) over `TURNS` turns."""
    for _ in range(TURNS):
        await asyncio.sleep(0)
    return task.cancelling()


@pytest.mark.parametrize("lands", [True, False], ids=["landed", "not-landed"])
@pytest.mark.parametrize("kind", ["persist", "save", "reminder"])
async def test_a_scope_cancelled_during_a_failed_writes_read_back_waits_for_it_once(
    kind: str, lands: bool
) -> None:
    store = SlowReadBack(lands)
    async with asyncio.timeout(10), ActorSystem("rb", store=store) as system:
        ref = await system.spawn(Counter if kind == "persist" else Kept, name="a")
        actor: Any = instance(ref)
        store.failing = True
        write: Callable[[], Awaitable[object]] = {
            "persist": lambda: actor.persist(5),
            "save": lambda: actor.save(5),
            "reminder": lambda: actor.reminders.start("k", "tick", delay=3600.0),
        }[kind]
        scope, task = in_a_scope(write)
        await store.reading.wait()
        scope.cancel()
        assert await deliveries(task) <= 1  # not one per turn while the store is read
        store.release.set()
        outcome = await asyncio.gather(task, return_exceptions=True)
        assert not isinstance(outcome[0], asyncio.CancelledError)  # not past its scope
        store.failing = False
        if kind != "reminder":
            expected = 5 if lands else (0 if kind == "persist" else None)
            assert await ref.ask("get") == expected


async def test_a_scope_cancelled_while_a_persist_commits_waits_for_the_commit_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    committing, release = asyncio.Event(), asyncio.Event()
    commit = GroupCommit._commit  # noqa: SLF001 - held to cancel a write while it commits

    async def held(self: GroupCommit[Any], batch: Any) -> None:
        committing.set()
        await release.wait()
        await commit(self, batch)

    store = SQLiteStore(tmp_path / "a.db")
    async with asyncio.timeout(10), ActorSystem("held", store=store) as system:
        ref = await system.spawn(Counter, name="a")
        actor: Any = instance(ref)
        monkeypatch.setattr(GroupCommit, "_commit", held)
        scope, task = in_a_scope(lambda: actor.persist(5))
        await committing.wait()
        scope.cancel()
        assert await deliveries(task) <= 1  # not one per turn while the commit is in flight
        release.set()
        assert await task == "cut short"  # its scope caught the cancellation, once stored
        assert scope.cancelled_caught
        assert await ref.ask("get") == 5
