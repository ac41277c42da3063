"""An outside hunt over event-sourced actors stopped between the persists of one handler, and
over two systems writing one persistence id: recovery holds exactly what was acknowledged
(each persist that returned, and nothing of one that never began), and the older writer is
refused, whole and clearly, never interleaved (API.md §11, docs/persistence.md
"Guarantees")."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from actorkit import ActorStopped, ActorSystem, NotDelivered
from actorkit.persistence import DurableState, EventSourced, PersistenceConflict

from .durable_support import MakeStore, store_maker

pytestmark = pytest.mark.timeout(30)


@pytest.fixture(params=["memory", "sqlite"])
def make(request: pytest.FixtureRequest, tmp_path: Path) -> MakeStore:
    """Each call a new store object on the test's data, as a restarted process opens it."""
    return store_maker(request, tmp_path)


class Steps(EventSourced):
    """`("steps", [[e, ...], ...])` persists each inner list with one `persist`, in turn;
    between two of them it waits for `gate`, and after the last it raises when told to.
    `acked` records, outside the actor, every persist that returned."""

    snapshot_every = 2
    acked: list[object] = []
    between: asyncio.Event
    gate: asyncio.Event

    def __init__(self) -> None:
        self.log: list[object] = []

    def apply(self, event: Any) -> None:
        self.log.append(event)

    async def receive(self, message: Any) -> Any:
        if message == "log":
            return self.log
        kind, batches = message
        for index, batch in enumerate(batches):
            if index:
                Steps.between.set()
                await Steps.gate.wait()
            await self.persist(*batch)
            Steps.acked.extend(batch)
        if kind == "fail":
            raise RuntimeError("failed after its persists")
        return self.log


def _fresh() -> None:
    Steps.acked = []
    Steps.between = asyncio.Event()
    Steps.gate = asyncio.Event()


async def _recovered(make: MakeStore, name: str) -> tuple[list[object], list[int]]:
    """The log a new system recovers, and the journal's sequence numbers."""
    async with ActorSystem("after", store=make()) as system:
        ref = await system.spawn(Steps, name=name)
        log = await ref.ask("log")
        store = system.store
        assert store is not None
        numbers = [event.seq async for event in store.read(f"/{name}")]
        return log, numbers


async def test_a_handler_failing_after_three_persists_keeps_all_three(make: MakeStore) -> None:
    _fresh()
    Steps.gate.set()
    async with ActorSystem("steps", store=make()) as system:
        ref = await system.spawn(Steps, name="s")
        with pytest.raises(RuntimeError, match="after its persists"):
            await ref.ask(("fail", [["a"], ["b", "c"], ["d"]]))
        assert await ref.ask("log") == ["a", "b", "c", "d"]  # the restart recovered them
    assert await _recovered(make, "s") == (["a", "b", "c", "d"], [1, 2, 3, 4])


async def test_a_stop_asked_between_two_persists_lets_the_handler_finish_both(
    make: MakeStore,
) -> None:
    """`ref.stop()` lets the current message finish: the second persist is written, and the
    ask queued behind is refused, not handled."""
    _fresh()
    async with ActorSystem("steps", store=make()) as system:
        ref = await system.spawn(Steps, name="s")
        first = asyncio.ensure_future(ref.ask(("ok", [["a", "b"], ["c"]])))
        await Steps.between.wait()
        queued = asyncio.ensure_future(ref.ask(("ok", [["never"]])))
        await asyncio.sleep(0)  # the queued ask is in the mailbox before the stop
        stopping = asyncio.ensure_future(ref.stop())
        await asyncio.sleep(0)
        assert not stopping.done()
        Steps.gate.set()
        await stopping
        assert await first == ["a", "b", "c"]
        with pytest.raises((NotDelivered, ActorStopped)):
            await queued
    assert Steps.acked == ["a", "b", "c"]
    assert await _recovered(make, "s") == (["a", "b", "c"], [1, 2, 3])


async def test_a_forced_shutdown_between_two_persists_keeps_only_the_first(
    make: MakeStore,
) -> None:
    """Past its timeout a shutdown cancels the handler waiting between its persists: the
    first persist (and the snapshot it crossed) is recovered, the second was never begun."""
    _fresh()
    system = ActorSystem("steps", store=make())
    await system.start()
    ref = await system.spawn(Steps, name="s")
    assert await ref.ask(("ok", [["a"]])) == ["a"]
    asked = asyncio.ensure_future(ref.ask(("ok", [["b"], ["c", "d"]]), timeout=20.0))
    await Steps.between.wait()
    await system.shutdown(timeout=0.05)
    with pytest.raises(ActorStopped):
        await asked
    assert Steps.acked == ["a", "b"]
    assert await _recovered(make, "s") == (["a", "b"], [1, 2])


async def test_the_older_of_two_systems_is_refused_whole_and_never_interleaves(
    make: MakeStore,
) -> None:
    _fresh()
    Steps.gate.set()
    async with (
        ActorSystem("old", store=make()) as old,
        ActorSystem("new", store=make()) as new,
    ):
        stale = await old.spawn(Steps, name="s")
        assert await stale.ask(("ok", [["o1"]])) == ["o1"]
        fresh = await new.spawn(Steps, name="s")
        assert await fresh.ask(("ok", [["n1", "n2"]])) == ["o1", "n1", "n2"]
        with pytest.raises(PersistenceConflict) as refused:
            await stale.ask(("ok", [["o2", "o3"]]))
        assert "'/s'" in str(refused.value)
        assert "expected sequence number 1, the journal is at 3" in str(refused.value)
        assert await stale.ask("log") == ["o1", "n1", "n2"]  # restarted: recovered the other's
        store = new.store
        assert store is not None
        assert [event.seq async for event in store.read("/s")] == [1, 2, 3]
    assert await _recovered(make, "s") == (["o1", "n1", "n2"], [1, 2, 3])


class Profile(DurableState):
    async def receive(self, message: Any) -> Any:
        if message != "get":
            await self.save({**(self.state or {}), **message})
        return self.state


async def test_the_older_durable_state_writer_is_refused_and_takes_the_newer_state(
    make: MakeStore,
) -> None:
    async with (
        ActorSystem("old", store=make()) as old,
        ActorSystem("new", store=make()) as new,
    ):
        stale = await old.spawn(Profile, name="p")
        assert await stale.ask({"name": "a"}) == {"name": "a"}
        fresh = await new.spawn(Profile, name="p")
        assert await fresh.ask({"mail": "m"}) == {"name": "a", "mail": "m"}
        with pytest.raises(
            PersistenceConflict, match=r"expected state revision 1, the store has 2"
        ):
            await stale.ask({"name": "lost"})
        assert await stale.ask("get") == {"name": "a", "mail": "m"}
        assert await stale.ask({"name": "b"}) == {"name": "b", "mail": "m"}
        with pytest.raises(PersistenceConflict):
            await fresh.ask({"mail": "lost"})
