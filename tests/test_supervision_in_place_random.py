"""Seeded random group restarts (docs/api.md §9), each child restarted in place or through
its task (`_restart_steps`) by its kind: what is observed matches a model of the round trip
for every child, and random traffic (tells, asks, crashes, stops, backoffs, timers, tasks,
watches, a task factory that enters a task's context) keeps the invariants: accounting
balances, every ask is answered, each restart made one instance and was counted once."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Mapping
from contextlib import nullcontext
from typing import Any

import pytest

from actorkit import (
    ActorSystem,
    Backoff,
    ChildSpec,
    OneForAll,
    OneForOne,
    RestForOne,
    Supervisor,
)
from actorkit.testing import ManualClock, snapshots

from .invariants import assert_invariants, assert_settled
from .metrics_truth_support import scraped, total
from .test_eager_tasks import eager
from .test_supervision_in_place import Agent, Bare, Both, Starts, Stops
from .test_supervision_in_place_eager import entering

BOUND = 10.0
SEEDS = 200


def expected(
    labels: list[str], kinds: Mapping[str, type], affected: list[str], failed: str
) -> list[str]:
    """The journal of a restart carried out child by child in its task: stops in reverse
    start order, then starts in start order, each hook seeing its siblings as they are."""
    state = dict.fromkeys(labels, "running")
    state[failed] = "suspended"
    journal: list[str] = []

    def seen(me: str) -> str:
        return " ".join(f"{label}:{state[label]}" for label in labels if label != me)

    for label in reversed(affected):
        state[label] = "restarting"
        if issubclass(kinds[label], Stops):
            journal.append(f"stop {label} | {seen(label)}")
    for label in affected:
        journal.append(f"new {label}")
        if issubclass(kinds[label], Starts):
            journal.append(f"start {label} | {seen(label)}")
        state[label] = "running"
    return journal


async def one_group_restart(seed: int) -> None:
    rng = random.Random(seed)
    labels = [chr(ord("a") + i) for i in range(rng.randint(2, 6))]
    kinds = {label: rng.choice([Bare, Bare, Stops, Starts, Both]) for label in labels}
    strategy = rng.choice([OneForAll, RestForOne, OneForOne])
    failed = rng.choice(labels)
    journal: list[str] = []
    specs = [ChildSpec(kinds[x], journal, x, name=x) for x in labels]
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        await system.spawn(Supervisor, specs, strategy(max_restarts=10), name="sup")
        refs = {x: system.lookup(f"/sup/{x}") for x in labels}
        for label in labels:  # parked, or dormant (never woken)
            if rng.random() < 0.5:
                assert await refs[label].ask("x") == 1  # type: ignore[union-attr]
        journal.clear()
        # Under one_for_one, failures queued behind each other, as in a restart storm: each
        # restart is over before the next failure is handled (no sibling's start between).
        crashes = rng.randint(1, 3) if strategy is OneForOne else 1
        behind = rng.randint(0, 2)  # queued behind the failures: the new instance's
        for _ in range(crashes):
            refs[failed].tell("crash")  # type: ignore[union-attr]
        for _ in range(behind):
            refs[failed].tell("x")  # type: ignore[union-attr]
        at = labels.index(failed)
        affected = {OneForAll: labels, RestForOne: labels[at:], OneForOne: [failed]}[strategy]
        assert await refs[failed].ask("x") == behind + 1  # type: ignore[union-attr]
        if affected[-1] != failed:  # stopped before the first started: answered once all are
            assert await refs[affected[-1]].ask("x") == 1  # type: ignore[union-attr]
        assert journal == expected(labels, kinds, affected, failed) * crashes
        restarts = [shot.restarts for shot in snapshots(system) if shot.path.count("/") == 2]
        assert restarts == [crashes * (label in affected) for label in labels]


@pytest.mark.parametrize("block", range(4))
async def test_group_restarts_match_the_round_trip_model(block: int) -> None:
    for seed in range(block * SEEDS // 4, (block + 1) * SEEDS // 4):
        try:
            await one_group_restart(seed)
        except BaseException as error:
            raise AssertionError(f"seed {seed}") from error


class Timed(Bare):
    """Not idle while its timer, started by `__init__`, is pending."""

    def __init__(self, journal: list[str], label: str) -> None:
        super().__init__(journal, label)
        self.timers.start_once("tick", "tick", 0.5)


class TellsItself(Bare):
    """Dormant at its spawn; its later instances wake it from `__init__`."""

    def __init__(self, journal: list[str], label: str) -> None:
        super().__init__(journal, label)
        if journal.count(f"new {label}") > 1:
            self.ref.tell("from init")


class Watches(Bare):
    """Watches its first sibling (or, the first itself, the second): its `Terminated` may
    come at any time, also while this one is being restarted."""

    def __init__(self, journal: list[str], label: str) -> None:
        super().__init__(journal, label)
        sibling = self.system.lookup("/sup/b" if label == "a" else "/sup/a")
        if sibling is not None:
            self.watch(sibling)


KINDS = [Bare, Bare, Stops, Starts, Both, Agent, Timed, TellsItself, Watches]


async def quiet(system: ActorSystem, clock: ManualClock) -> None:
    """Until every backoff, timer and restart is over: the clock moved on as far as needed."""
    for _ in range(40):
        await clock.settle()
        if all(shot.state == "running" for shot in snapshots(system)):
            return
        await clock.advance(0.5)
    raise AssertionError(f"not quiet: {snapshots(system)}")


async def one_traffic(seed: int) -> None:
    rng = random.Random(seed)
    clock = ManualClock()
    labels = [chr(ord("a") + i) for i in range(rng.randint(2, 5))]
    journal: list[str] = []
    specs = [ChildSpec(rng.choice(KINDS), journal, x, name=x) for x in labels]
    backoff = Backoff(min=0.2, max=0.4, jitter=0.0) if rng.random() < 0.3 else None
    strategy = rng.choice([OneForAll, RestForOne, OneForOne])
    waits: list[asyncio.Future[Any]] = []
    shut_down_busy = rng.random() < 0.2
    async with asyncio.timeout(BOUND), ActorSystem(clock=clock) as system:
        await system.spawn(
            Supervisor, specs, strategy(max_restarts=1000, backoff=backoff), name="sup"
        )
        async with eager(entering) if rng.random() < 0.5 else nullcontext():
            for _ in range(rng.randint(5, 40)):
                ref = system.lookup(f"/sup/{rng.choice(labels)}")
                op = rng.random()
                if ref is None:
                    continue
                if op < 0.3:
                    ref.tell("x")
                elif op < 0.45:
                    ref.tell("crash")
                elif op < 0.6:
                    waits.append(asyncio.ensure_future(ref.ask("x")))
                elif op < 0.62:
                    waits.append(asyncio.ensure_future(ref.stop()))
                elif op < 0.64 and (sup := system.lookup("/sup")) is not None:
                    waits.append(asyncio.ensure_future(sup.stop(timeout=rng.choice([0, None]))))
                elif op < 0.7:
                    waits.append(asyncio.ensure_future(system.submit("t", requires=["work"])))
                elif op < 0.72:
                    waits.append(asyncio.ensure_future(ref.ask("x", timeout=0.2)))
                elif op < 0.8:
                    await clock.advance(rng.choice([0.1, 0.3, 0.6]))
                else:
                    for _ in range(rng.randint(0, 6)):
                        await asyncio.sleep(0)
                assert_invariants(system)
            if not shut_down_busy:
                await quiet(system, clock)
                await asyncio.gather(*waits, return_exceptions=True)
                await assert_settled(system)
                children = [shot for shot in snapshots(system) if shot.path.count("/") == 2]
                for shot in children:
                    made = journal.count(f"new {shot.path[-1]}")
                    assert (shot.parked, shot.restarts) == (True, made - 1), shot
                made = sum(journal.count(f"new {x}") for x in labels)
                restarts = total(scraped(system), "actorkit_actor_restarts_total")
                assert restarts == made - len(labels)
    assert_invariants(system)
    async with asyncio.timeout(BOUND):  # each answered, by the shutdown at last
        await asyncio.gather(*waits, return_exceptions=True)


@pytest.mark.parametrize("block", range(4))
async def test_random_traffic_keeps_the_invariants(block: int) -> None:
    for seed in range(block * SEEDS // 4, (block + 1) * SEEDS // 4):
        try:
            await one_traffic(seed)
        except BaseException as error:
            raise AssertionError(f"seed {seed}") from error
