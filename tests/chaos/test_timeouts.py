"""Chaos on a `ManualClock`: many concurrent asks with random timeouts against handlers
released at random times, some asks still waiting for room in a full mailbox. Every ask ends
exactly as the clock says (answered iff released before its deadline), nothing stays pending,
late replies are discarded and an ask that timed out waiting for room is never delivered."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import pytest

from actorkit import Actor, ActorRef, ActorSystem, AskTimeout
from actorkit.testing import ManualClock, snapshot

from ..invariants import TaskSnapshot, assert_invariants, assert_settled
from .replay import assert_replays, chaos_run, remember, replayed_seed, rng_for, scale, seeds

ACTORS = 200
HORIZON = 10  # asks time out at 1..HORIZON seconds; releases happen at half-seconds


class Held(Actor):
    """Handles `("hold", event)` by waiting for the event; anything else is echoed."""

    async def receive(self, message: Any) -> Any:
        if isinstance(message, tuple) and message[0] == "hold":
            await message[1].wait()
            return "released"
        return message


Plan = tuple[ActorRef, "asyncio.Task[Any]", float, float | None, bool]
"""(ref, ask task, timeout, release time or None, waits for room)."""


async def plan(
    system: ActorSystem, rng: random.Random, releases: dict[float, list[asyncio.Event]]
) -> list[Plan]:
    """An ask per actor, some queued behind a held message at a full mailbox."""
    plans: list[Plan] = []
    for _ in range(ACTORS * scale()):
        room = rng.random() < 0.3
        ref = await system.spawn(Held, mailbox_size=1 if room else None)
        release = rng.choice([None, *(k + 0.5 for k in range(HORIZON + 1))])
        timeout = float(rng.randint(1, HORIZON))
        gate = asyncio.Event()
        releases.setdefault(HORIZON + 1.0 if release is None else release, []).append(gate)
        if room:
            ref.tell(("hold", gate))  # being handled, then one queued: the box is full
            await asyncio.sleep(0)
            ref.tell("filler")
            ask = asyncio.create_task(ref.ask("late?", timeout=timeout))
        else:
            ask = asyncio.create_task(ref.ask(("hold", gate), timeout=timeout))
        plans.append((ref, ask, timeout, release, room))
    return plans


async def check(plans: list[Plan]) -> list[object]:
    """Each ask ended as the clock says; returns each outcome with its actor's counts."""
    outcomes: list[object] = []
    for ref, ask, timeout, release, room in plans:
        answered = release is not None and release < timeout
        if answered:
            assert await ask == ("late?" if room else "released")
        else:
            with pytest.raises(AskTimeout):
                await ask
        # The actor keeps serving after a timed-out ask; a late reply went nowhere.
        assert await ref.ask("ping", timeout=1.0) == "ping"
        counts = snapshot(ref).accounting
        # An ask that timed out while waiting for room was never delivered.
        delivered_asks = 1 if (not room or answered) else 0
        assert counts.accepted == (2 if room else 0) + delivered_asks + 1
        assert counts.processed == counts.accepted
        outcomes.append((answered, counts))
    return outcomes


async def run_timeouts(seed: int) -> tuple[object, ...]:
    """One run; returns each ask's outcome and its actor's counts, in spawn order."""
    async with chaos_run(seed, "timeouts"):
        clock = ManualClock()
        tasks = TaskSnapshot()
        async with ActorSystem("chaos-timeouts", clock=clock) as system:
            releases: dict[float, list[asyncio.Event]] = {}
            plans = await plan(system, rng_for(seed, "driver"), releases)
            await clock.settle()
            while clock.now() < HORIZON + 1:
                await clock.advance(0.5)
                for gate in releases.pop(clock.now(), []):
                    gate.set()
                await clock.settle()
            assert not releases
            outcomes = await check(plans)
            await assert_settled(system)
        assert_invariants(system)
        assert clock.pending == 0
        await tasks.assert_no_leaks()
        return tuple(outcomes)


@pytest.mark.parametrize("seed", seeds())
async def test_concurrent_asks_time_out_exactly_by_the_clock(seed: int) -> None:
    remember(("timeouts", seed), await run_timeouts(seed))


async def test_a_seed_replays_its_run_exactly() -> None:
    seed = replayed_seed()
    await assert_replays(("timeouts", seed), lambda: run_timeouts(seed))
