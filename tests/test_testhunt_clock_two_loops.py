"""One `ManualClock` and two event loops running at once (two threads): the clock fires
every attached system's timers on the thread that advances it, where the other loop's
actors must not be touched (asyncio's debug mode raises there, and the tick is lost). So a
system is refused at its start, saying why, while the clock drives one on another running
loop; one loop after another (a clock per module, an `asyncio.run` per test) still shares it."""

from __future__ import annotations

import asyncio
import threading

import pytest

from actorkit import ActorSystem
from actorkit.testing import ManualClock, Probe

SAFETY = 10.0


def _other_thread(clock: ManualClock, go: threading.Event, got: list[object]) -> threading.Thread:
    """Runs a system on the clock in a thread of its own, started once this returns, until
    `go`; then it advances the clock from there and notes what it received in `got`."""
    ready = threading.Event()

    async def main() -> None:
        async with asyncio.timeout(SAFETY), ActorSystem("other", clock=clock) as system:
            probe = await Probe.spawn(system)
            system.schedule_once(1.0, probe.ref, "tick")
            ready.set()
            await asyncio.get_running_loop().run_in_executor(None, go.wait, SAFETY)
            await clock.advance(1.0)  # from its own loop: the tick is its own
            got.append(await probe.receive())

    thread = threading.Thread(target=asyncio.run, args=(main(),))
    thread.start()
    assert ready.wait(SAFETY)
    return thread


def test_a_system_on_another_running_loop_is_refused_at_its_start_saying_why() -> None:
    clock = ManualClock()
    go = threading.Event()
    got: list[object] = []
    other = _other_thread(clock, go, got)
    refused: list[BaseException] = []

    async def here() -> None:
        system = ActorSystem("here", clock=clock)
        try:
            await system.start()
        except RuntimeError as error:
            refused.append(error)
        finally:
            await system.shutdown()

    try:
        asyncio.run(here())
    finally:
        go.set()
        other.join(SAFETY)
    assert got == ["tick"]  # the other system kept its clock and its tick
    [error] = refused
    assert "another event loop" in str(error)
    assert "ManualClock" in str(error)


@pytest.mark.parametrize("call", ["advance", "settle"])
def test_an_advance_from_a_loop_other_than_its_systems_running_one_is_refused(call: str) -> None:
    """Advanced from here, the clock would fire the other system's timers on this thread."""
    clock = ManualClock()
    go = threading.Event()
    got: list[object] = []
    other = _other_thread(clock, go, got)

    async def here() -> None:
        await (clock.advance(1.0) if call == "advance" else clock.settle())

    try:
        with pytest.raises(RuntimeError, match="another event loop"):
            asyncio.run(here())
        assert clock.now() == 0.0
    finally:
        go.set()
        other.join(SAFETY)
    assert got == ["tick"]  # fired on its own loop, by its own advance
    assert clock.now() == 1.0


def test_after_the_other_loop_ended_the_clock_drives_a_system_here() -> None:
    clock = ManualClock()
    go = threading.Event()
    go.set()
    got: list[object] = []
    _other_thread(clock, go, got).join(SAFETY)
    assert got == ["tick"]

    async def here() -> int:
        async with ActorSystem("here", clock=clock) as system:
            probe = await Probe.spawn(system)
            system.schedule_once(1.0, probe.ref, "here")
            await clock.advance(1.0)
            return probe.pending

    assert asyncio.run(here()) == 1
    assert clock.now() == 2.0


@pytest.mark.parametrize("runs", [2])
def test_systems_on_loops_one_after_another_share_the_clock(runs: int) -> None:
    clock = ManualClock()

    async def one() -> int:
        async with ActorSystem(clock=clock) as system:
            probe = await Probe.spawn(system)
            system.schedule_every(1.0, probe.ref, "tick")
            await clock.advance(2.0)
            return probe.pending

    assert [asyncio.run(one()) for _ in range(runs)] == [2] * runs
