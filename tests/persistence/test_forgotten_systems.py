"""Systems a program starts and never shuts down (a test that forgets `shutdown()`), one
after another in one process, each on its own event loop that `asyncio.run` (here an
`asyncio.Runner`) cancels and closes under it: nothing of one may outlive it in a way the
next system trips over, nor may its end raise from the tasks the loop cancels."""

from __future__ import annotations

import asyncio
import gc
import threading
from types import SimpleNamespace
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, PersistenceError
from actorkit.persistence import MemoryStore, _service

BOUND = 5.0


class Agent(Actor):
    capabilities = ("work",)

    async def receive(self, message: Any) -> Any:
        return message


def _writer(task: asyncio.Task[Any]) -> bool:
    name: str = task.get_coro().__qualname__  # type: ignore[union-attr]
    return name == "HistoryWriter._run"


def test_the_loop_ending_under_a_forgotten_system_with_agent_history_raises_nothing() -> None:
    """`asyncio.run` cancels every task left at once; here the history writer last, so the
    agents unwind (and record that they stopped) after its wakeup was cancelled with it."""

    async def start() -> ActorSystem:
        system = ActorSystem("forgotten", store=MemoryStore(), agent_history=True)
        async with asyncio.timeout(BOUND):
            await system.start()
            for _ in range(3):
                agent = await system.spawn(Agent)
                assert await agent.ask("hello") == "hello"
            service = system._persistence  # noqa: SLF001
            assert service is not None and service.history is not None
            await service.history.flush()  # the writer now waits for the next change
        return system

    with asyncio.Runner() as runner:
        runner.run(start())
        loop = runner.get_loop()
        tasks = asyncio.all_tasks(loop)
        assert [task for task in tasks if _writer(task)], "no history writer running"
        for task in sorted(tasks, key=_writer):
            task.cancel()
        outcomes = loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
    raised = [o for o in outcomes if not isinstance(o, asyncio.CancelledError | type(None))]
    assert raised == []


def _forget(store: MemoryStore) -> None:
    async def main() -> None:
        system = ActorSystem("forgotten", store=store)
        async with asyncio.timeout(BOUND):
            await system.start()

    asyncio.run(main())


def test_a_forgotten_system_leaves_no_claim_on_its_store_once_freed() -> None:
    """The running systems' stores are known by `id`: one left by a system never shut down
    stayed taken for the life of the process, and a new store that came to have the same
    `id` (CPython reuses them) was refused as serving that system."""
    before = len(_service._serving)  # noqa: SLF001
    for _ in range(20):
        _forget(MemoryStore())
    for thread in threading.enumerate():
        if thread.name == "actorkit-watchdog":  # it ends on its own, the loop closed
            thread.join(BOUND)
    gc.collect()
    assert len(_service._serving) <= before  # noqa: SLF001


async def test_a_store_whose_holder_was_freed_unclosed_serves_a_new_one() -> None:
    """A system freed without a shutdown, and without a loop end to shut it down (a loop
    closed with its tasks pending), never closes its store: freed, it must not keep it
    taken. Its persistence side alone, freed here without the rest of a system."""
    async with asyncio.timeout(BOUND):
        store = MemoryStore()
        runtime: Any = SimpleNamespace(name="dropped", clock=None)
        metrics: Any = SimpleNamespace(enabled=False)
        held = _service.Persistence(store, runtime, metrics)
        await held.open()
        with pytest.raises(PersistenceError, match="serves the running system 'dropped'"):
            await _service.Persistence(store, runtime, metrics).open()
        del held
        gc.collect()
        another: Any = SimpleNamespace(name="again", clock=None)
        again = _service.Persistence(store, another, metrics)
        await again.open()
        await again.close()
