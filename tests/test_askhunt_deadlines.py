"""Ask deadlines on a `ManualClock`, through the public API: hundreds of distinct timeouts (an
hour, a day, years among milliseconds) each end at the instant they name, through the sweeps
that answered asks' empty groups set off; a far advance times asks out in deadline order, then
the order they were made, askers and expired dead letters alike."""

from __future__ import annotations

import asyncio
import functools
import logging
import random
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, AskTimeout
from actorkit._clock import SWEEP_MIN
from actorkit.testing import ManualClock, pending_asks

from .testing_support import Echo

ASKS = 400
LONG = (3600.0, 86400.0, 1e8)


class Silent(Actor):
    """Holds its first message until `gate` opens: every ask queued or waiting behind it
    times out."""

    def __init__(self, gate: asyncio.Event) -> None:
        self.gate = gate

    async def receive(self, message: Any) -> Any:
        await self.gate.wait()
        return message


def groups(system: ActorSystem) -> int:
    return len(system._runtime.ask_deadlines._groups)  # noqa: SLF001


def ended_at(ended: dict[int, float], n: int, clock: ManualClock, _: object) -> None:
    ended.setdefault(n, clock.now())


def asks_by(system: ActorSystem, actor_type: str, outcome: str) -> float | None:
    labels = {"actor_type": actor_type, "outcome": outcome}
    return system.metrics.registry.get_sample_value("actorkit_asks_total", labels)


def asks_timed(system: ActorSystem, actor_type: str) -> float | None:
    labels = {"actor_type": actor_type}
    return system.metrics.registry.get_sample_value("actorkit_ask_seconds_count", labels)


async def test_hundreds_of_timeouts_end_each_at_its_deadline_through_repeated_sweeps(
    caplog: pytest.LogCaptureFixture,
) -> None:
    rng = random.Random(20261206)
    clock = ManualClock()
    gate = asyncio.Event()
    ended: dict[int, float] = {}
    most_groups = 0
    async with asyncio.timeout(30), ActorSystem(clock=clock) as system:
        echo = await system.spawn(Echo)
        silent = await system.spawn(Silent, gate, mailbox_size=None)
        waiting: list[tuple[int, float, asyncio.Task[Any]]] = []
        answered = 0
        for n in range(ASKS):
            if rng.random() < 0.85:  # answered at once: a group of its own left empty
                timeout = rng.choice(LONG) + n
                assert await echo.ask(n, timeout=timeout) == n
                answered += 1
            else:
                timeout = rng.choice((*LONG, round(rng.uniform(0.001, 5.0), 3)))
                deadline = clock.now() + timeout
                task = asyncio.create_task(silent.ask(n, timeout=timeout))
                task.add_done_callback(functools.partial(ended_at, ended, n, clock))
                waiting.append((n, deadline, task))
            most_groups = max(most_groups, groups(system))
            await clock.advance(rng.choice((0.0, 0.001, 0.25)))
        # Sweeps ran again and again: the groups stay within twice those holding asks,
        # where one per answered ask would be kept until its deadline, hours away.
        assert most_groups <= max(SWEEP_MIN, 2 * len(waiting)) + 1
        while (due := clock.next_due()) is not None:
            await clock.advance(due - clock.now())
        for n, deadline, task in waiting:
            with pytest.raises(AskTimeout):
                task.result()
            assert ended[n] == deadline, n  # neither early nor late
        assert pending_asks(system) == 0
        assert clock.pending == 0
        assert groups(system) == 0
        assert asks_by(system, "Echo", "ok") == answered
        assert asks_by(system, "Silent", "timeout") == len(waiting)
        assert asks_timed(system, "Silent") == len(waiting)
        gate.set()  # the late replies go nowhere, counted once, logged never
        await clock.settle()
        assert asks_by(system, "Silent", "ok") == 0
        assert asks_timed(system, "Silent") == len(waiting)
        assert system.accounting().balanced
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_a_far_advance_times_asks_out_by_deadline_then_in_the_order_made() -> None:
    """One `advance` past every deadline: each asker sees its timeout at its own deadline,
    those sharing one in the order they asked, and the asks still waiting for room become
    `expired` dead letters in that same order."""
    clock = ManualClock()
    gate = asyncio.Event()
    seen: list[tuple[str, float]] = []

    async def ask(ref: Any, name: str, timeout: float) -> None:
        with pytest.raises(AskTimeout):
            await ref.ask(name, timeout=timeout)
        seen.append((name, clock.now()))

    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        silent = await system.spawn(Silent, gate, mailbox_size=1)
        silent.tell("held")  # in hand until the gate opens
        await clock.settle()
        askers = []
        for name, timeout in (("a", 5.0), ("b", 3.0), ("c", 5.0)):  # "a" is queued; the rest
            askers.append(asyncio.create_task(ask(silent, name, timeout)))  # wait for room
            await clock.settle()
        await clock.advance(1.0)
        for name, timeout in (("d", 4.0), ("e", 2.0), ("f", 0.5)):
            askers.append(asyncio.create_task(ask(silent, name, timeout)))
            await clock.settle()
        await clock.advance(100_000.0)
        await asyncio.gather(*askers)
        assert seen == [("f", 1.5), ("b", 3.0), ("e", 3.0), ("a", 5.0), ("c", 5.0), ("d", 5.0)]
        expired = [d.message for d in system.dead_letters.recent if d.reason == "expired"]
        assert expired == ["f", "b", "e", "c", "d"]  # "a" was queued, not waiting for room
        assert pending_asks(system) == 0
        assert asks_by(system, "Silent", "timeout") == 6
        gate.set()
        await clock.settle()
        assert system.accounting().balanced
