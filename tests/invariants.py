"""The reliability invariants, as reusable assertions for tests (chaos tests assert them all).

- Message accounting, per actor and system-wide: every message a mailbox accepted was
  processed, crashed its handler, or became a dead letter, or is still queued or being handled:
  `accepted == processed + crashed + dead_lettered + queued + handling`.
- No ask left pending: no ask is waiting for a reply (`actorkit.testing.pending_asks`).
- No task left running: `system.tasks.running == 0`.
- No asyncio task leaked: the tasks alive after the test are those alive before it.

Usage::

    tasks = TaskSnapshot()
    async with ActorSystem() as system:
        ...
        assert_invariants(system)            # at any moment: accounting balances
        await assert_settled(system)          # once the test awaited its asks and tasks
    assert_invariants(system)                 # after shutdown: stopped actors included
    await tasks.assert_no_leaks()
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from actorkit.testing import pending_asks, snapshots

if TYPE_CHECKING:
    from actorkit import ActorSystem
    from actorkit.testing import ActorSnapshot

LEAK_SETTLE_TURNS = 200
"""Loop turns `assert_no_leaks` gives finished-but-not-yet-reaped tasks to end (no sleeping)."""


def describe(actor: ActorSnapshot) -> str:
    return f"{actor.path} ({actor.actor_class}, {actor.state}): {actor.accounting}"


def unbalanced_actors(system: ActorSystem) -> list[str]:
    return [describe(actor) for actor in snapshots(system) if not actor.accounting.balanced]


def assert_invariants(system: ActorSystem) -> None:
    """Message accounting balances for every live actor and for the whole system (stopped
    actors included). Holds at any moment, not only when the system is quiet."""
    broken = unbalanced_actors(system)
    assert not broken, "message accounting broken for:\n" + "\n".join(broken)
    total = system.accounting()
    assert total.balanced, f"system-wide message accounting broken: {total}"
    assert total.accepted >= 0 and min(total.processed, total.crashed, total.dead_lettered) >= 0


async def assert_settled(system: ActorSystem) -> None:
    """After the test has awaited all its asks and task handles: accounting balances, no ask
    is waiting for a reply and no task is running."""
    assert_invariants(system)
    pending = pending_asks(system)
    assert pending == 0, f"{pending} asks still pending"
    running = system.tasks.running
    assert running == 0, f"{running} tasks still running: {system.tasks}"


def live_tasks() -> set[asyncio.Task[object]]:
    current = asyncio.current_task()
    return {task for task in asyncio.all_tasks() if task is not current and not task.done()}


class TaskSnapshot:
    """The asyncio tasks alive when it was taken, to compare against at the end."""

    def __init__(self) -> None:
        self.before = live_tasks()

    def leaked(self) -> set[asyncio.Task[object]]:
        return live_tasks() - self.before

    async def assert_no_leaks(self) -> None:
        """Every task started since the snapshot has ended. Finished actors' tasks may need a
        few loop turns to unwind, so this yields (never sleeps) before judging."""
        for _ in range(LEAK_SETTLE_TURNS):
            if not self.leaked():
                return
            await asyncio.sleep(0)
        leaked = self.leaked()
        assert not leaked, f"{len(leaked)} asyncio tasks leaked: " + ", ".join(
            sorted(repr(task.get_coro()) for task in leaked)[:10]
        )
