"""An ask queued behind its target's failure, whose supervisor restarts it in place (its
parked task never woken for the restart, `_restart_steps`): the new instance answers it, or
its asker hears of it within its timeout, and `actorkit_asks_total` counts it once, by what
its asker heard, whatever the new instance does with it later."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import (
    Actor,
    ActorSystem,
    AskTimeout,
    Backoff,
    ChildSpec,
    NotDelivered,
    OneForOne,
    Supervisor,
    _restart_steps,
    _supervise,
)
from actorkit._cell import Cell
from actorkit.testing import ManualClock

OUTCOMES = ("ok", "error", "timeout", "stopped", "cancelled")


class Fresh(Actor):
    """No hook, so its restart runs in place; counts what each instance handled."""

    def __init__(self) -> None:
        self.count = 0

    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise RuntimeError("crashed")
        self.count += 1
        return self.count


def asks(system: ActorSystem, actor_type: str = "Fresh") -> dict[str, float]:
    registry = system.metrics.registry
    return {
        outcome: registry.get_sample_value(
            "actorkit_asks_total", {"actor_type": actor_type, "outcome": outcome}
        )
        or 0.0
        for outcome in OUTCOMES
    }


def counted(**outcomes: float) -> dict[str, float]:
    return {outcome: outcomes.get(outcome, 0.0) for outcome in OUTCOMES}


class Refusing(Fresh):
    """Its `__init__` fails while `refusals` holds any: a restart that cannot start it."""

    def __init__(self, refusals: list[int]) -> None:
        if refusals:
            refusals.pop()
            raise RuntimeError("cannot start")
        super().__init__()


@pytest.fixture
def in_place(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The halves of restarts carried out in place, by path."""
    done: list[str] = []
    stop, start = _restart_steps.stop_in_place, _restart_steps.start_in_place

    def stopping(cell: Cell, bound: float | None) -> bool:
        if stopped := stop(cell, bound):
            done.append(f"stop {cell.path}")
        return stopped

    async def starting(cell: Cell) -> bool:
        done.append(f"start {cell.path}")
        return await start(cell)

    monkeypatch.setattr(_supervise, "stop_in_place", stopping)
    monkeypatch.setattr(_restart_steps, "start_in_place", starting)
    return done


class Holding(Actor):
    """Supervises a `Fresh` child, and decides nothing on its failure while "hold" holds it:
    the child parks after its failure first, so both halves of its restart run in place."""

    def __init__(self, gate: asyncio.Event) -> None:
        self.gate = gate

    async def on_start(self) -> None:
        await self.spawn(Fresh, name="c")

    async def receive(self, message: Any) -> Any:
        await self.gate.wait()


async def under(system: ActorSystem, **strategy: Any) -> Any:
    spec = ChildSpec(Fresh, name="c")
    await system.spawn(Supervisor, [spec], OneForOne(**strategy), name="sup")
    return system.lookup("/sup/c")


async def test_an_ask_queued_behind_a_failure_is_answered_by_the_new_instance(
    clock: ManualClock, in_place: list[str]
) -> None:
    gate = asyncio.Event()
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        parent = await system.spawn(Holding, gate, name="p")
        child = system.lookup("/p/c")
        assert child is not None and await child.ask("x") == 1
        parent.tell("hold")
        failing = asyncio.ensure_future(child.ask("crash", timeout=5.0))
        queued = asyncio.ensure_future(child.ask("x", timeout=5.0))
        try:
            await clock.settle()  # failed, parked, the ask queued behind its failure
            with pytest.raises(RuntimeError, match="crashed"):
                await failing
            assert not queued.done()
        finally:
            gate.set()
        assert await queued == 1  # a fresh count: the new instance's
        assert in_place == ["stop /p/c", "start /p/c"]
        assert asks(system) == counted(ok=2, error=1)


async def test_an_ask_that_times_out_in_the_backoff_is_counted_once(
    clock: ManualClock, in_place: list[str]
) -> None:
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        child = await under(system, backoff=Backoff(min=2.0, max=2.0, jitter=0.0))
        child.tell("crash")
        short = asyncio.ensure_future(child.ask("x", timeout=1.0))
        long = asyncio.ensure_future(child.ask("x", timeout=3.0))
        await clock.advance(1.0)
        with pytest.raises(AskTimeout, match="/sup/c was restarting"):
            await short
        assert not long.done()
        await clock.advance(1.0)  # the start, in place: the new instance handles both
        assert await long == 2  # the timed-out ask was handled first, its reply dropped
        assert "start /sup/c" in in_place
        assert asks(system) == counted(ok=1, timeout=1)
        assert system.dead_letters.count == 0


async def test_an_asker_cancelled_across_the_restart_is_counted_once(
    clock: ManualClock, in_place: list[str]
) -> None:
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        child = await under(system, backoff=Backoff(min=2.0, max=2.0, jitter=0.0))
        child.tell("crash")
        left = asyncio.ensure_future(child.ask("x", timeout=5.0))
        await clock.advance(1.0)
        left.cancel()
        with pytest.raises(asyncio.CancelledError):
            await left
        await clock.advance(1.0)
        assert await child.ask("x", timeout=5.0) == 2  # the cancelled one was handled first
        assert "start /sup/c" in in_place
        assert asks(system) == counted(ok=1, cancelled=1)
        await clock.advance(5.0)  # past the cancelled ask's deadline: nothing more counted
        assert asks(system) == counted(ok=1, cancelled=1)


async def test_an_ask_queued_for_a_restart_that_cannot_start_fails_when_its_target_stops(
    in_place: list[str],
) -> None:
    """The new instance's `__init__` fails, and its supervisor, out of restarts, gives up:
    the queued ask was never handled, so its asker hears `NotDelivered`, counted `stopped`."""
    async with asyncio.timeout(10), ActorSystem() as system:
        refusals: list[int] = []
        spec = ChildSpec(Refusing, refusals, name="c")
        await system.spawn(Supervisor, [spec], OneForOne(max_restarts=1), name="sup")
        child = system.lookup("/sup/c")
        assert child is not None
        refusals.append(1)  # its restart's start fails, and the supervisor gives up
        child.tell("crash")
        with pytest.raises(NotDelivered, match="/sup/c stopped before handling the ask"):
            await child.ask("x", timeout=5.0)
        assert not child.is_alive
        assert "start /sup/c" in in_place
        assert asks(system, "Refusing") == counted(stopped=1)
