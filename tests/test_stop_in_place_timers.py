"""An idle actor holding timers is stopped, and restarted by a group restart, in place: its
timers end with it, as they do when the stop goes through its task, and nothing of it is sent
a signal (API 5: a timer ends with its actor; `Lifecycle.idle_leaf`)."""

from __future__ import annotations

import asyncio

import pytest

from actorkit import ActorSystem, ChildSpec, OneForAll, Supervisor
from actorkit._cell import Cell
from actorkit._signals import Signal
from actorkit.testing import ManualClock, Probe, pending_timers, snapshot

from .timers_support import Ticker


def counting_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the cells a control signal is sent to and waited on (`Cell.call`)."""
    called: list[str] = []
    call = Cell.call

    async def counting(cell: Cell, signal: Signal) -> None:
        called.append(cell.name)
        await call(cell, signal)

    monkeypatch.setattr(Cell, "call", counting)
    return called


@pytest.mark.parametrize("how", ["ref.stop()", "shutdown"])
async def test_an_idle_actor_with_timers_stops_in_place_and_its_timers_end(
    clock: ManualClock, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    async with asyncio.timeout(10):
        system = ActorSystem(clock=clock)
        async with system:
            probe = await Probe.spawn(system)
            ref = await system.spawn(Ticker, probe.ref, name="ticker")
            await ref.ask(("every", "beat", "beat", 1.0))
            await ref.ask(("once", "late", "late", 5.0))
            await clock.advance(1.0)
            await probe.expect("beat")
            await clock.settle()
            assert pending_timers(system) == 2
            called = counting_calls(monkeypatch)
            if how == "ref.stop()":
                await ref.stop()
                assert snapshot(ref).state == "stopped"
                assert pending_timers(system) == 0
                await clock.advance(10.0)
                assert system.dead_letters.count == 0
        assert "ticker" not in called
        assert pending_timers(system) == 0
        assert system.dead_letters.count == 0
        assert system.accounting().balanced


async def test_an_idle_sibling_with_a_timer_restarts_in_place_without_its_old_timer(
    clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its old instance's timer ends with it: the new instance hears no tick it did not ask
    for, and the sibling is sent no signal (no round trip into its task)."""
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        team = [
            ChildSpec(Ticker, probe.ref, name="failing"),
            ChildSpec(Ticker, probe.ref, name="timed"),
        ]
        await system.spawn(Supervisor, team, OneForAll(), name="sup")
        failing, timed = system.lookup("/sup/failing"), system.lookup("/sup/timed")
        assert failing is not None and timed is not None
        await timed.ask(("every", "beat", "beat", 1.0))
        await clock.advance(1.0)
        await probe.expect("beat")
        await clock.settle()
        called = counting_calls(monkeypatch)
        failing.tell("crash")
        assert await failing.ask("active") == 0  # behind the crash: the new instance's answer
        assert await timed.ask("active") == 0  # started after it
        assert "timed" not in called
        assert snapshot(timed).restarts == 1
        assert pending_timers(system) == 0
        await clock.advance(5.0)
        await clock.settle()
        probe.expect_empty()
