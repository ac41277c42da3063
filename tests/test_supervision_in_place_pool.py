"""A pool's member restarts in place as any other child does (`_restart_steps`): its new
instance is made in its pool's task, in the context its own task runs in, which marks it as
the member (`_envelope.acting`) for its pool to route around it, whether that task ever ran
or not. So members failing together are restarted in one turn of their pool, not one round
trip into each member's task after another; and nothing observed changes against a model
of that round trip: the order of hooks, the asks queued behind a failure (the new
instance's, in order), restart counts (API 4, 9)."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import pytest

from actorkit import ActorRef, ActorSystem, OneForAll, OneForOne, PoolRef, RestForOne
from actorkit._envelope import acting
from actorkit.testing import snapshot, snapshots

from .metrics_truth_support import sample, scraped
from .test_supervision_in_place import Bare, Starts, Stops
from .test_supervision_in_place_failed import round_trips
from .test_supervision_in_place_random import expected

BOUND = 10.0
SEEDS = 120


class Member(Bare):
    """Journals as `Bare` under its member's name, with its siblings' states; and whether its
    `__init__` ran marked as the member (`acting`), as in its own task."""

    def __init__(self, journal: list[str], marked: list[bool]) -> None:
        super().__init__(journal, self.name)
        marked.append(self._cell.mark in acting.get())

    def seen(self) -> str:
        pool = self.path.rpartition("/")[0]
        return " ".join(
            f"{shot.path.rpartition('/')[2]}:{shot.state}"
            for shot in sorted(snapshots(self.system), key=lambda shot: shot.path)
            if shot.path.rpartition("/")[0] == pool and shot.path != self.path
        )


class MemberStops(Member, Stops):
    pass


class MemberStarts(Member, Starts):
    pass


class MemberBoth(MemberStops, MemberStarts):
    pass


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    return round_trips(monkeypatch)


async def pool_of(
    system: ActorSystem,
    kind: type[Member],
    journal: list[str],
    marked: list[bool],
    size: int,
    strategy: Any = OneForOne,
) -> tuple[PoolRef, list[ActorRef]]:
    """The pool "pool" of `size` members of `kind`, and its members in name order."""
    pool = await system.spawn_pool(
        kind,
        journal,
        marked,
        size=size,
        name="pool",
        supervisor=strategy(max_restarts=10, within=1.0),
    )
    return pool, sorted(pool.members, key=lambda ref: int(ref.name))


async def test_a_failed_member_restarts_without_a_round_trip(calls: list[str]) -> None:
    """What was queued behind the failure is the new instance's, in order, and the pool
    routes to it as before."""
    journal: list[str] = []
    marked: list[bool] = []
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        pool, (first, second) = await pool_of(system, Member, journal, marked, 2)
        assert await first.ask("x") == 1
        journal.clear()
        first.tell("crash")
        first.tell("y")
        assert await first.ask("x") == 2
        assert calls == []
        assert journal == ["new 0"]
        assert marked == [False, False, True]  # spawned in the pool's task, then not
        assert [snapshot(ref).restarts for ref in (first, second)] == [1, 0]
        assert sample(scraped(system), "actorkit_actor_restarts_total", actor_type="Member") == 1
        assert sorted([await pool.ask("x"), await pool.ask("x")]) == [1, 3]


async def test_members_failing_together_restart_in_one_turn_of_their_pool(
    calls: list[str],
) -> None:
    """Each member's failure reaches the pool in the turn it happens; the pool's next turn
    restarts them all, and the members' next handles what waits for each. Through each
    member's task in turn, the pool would take two more turns per member."""
    journal: list[str] = []
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        _, refs = await pool_of(system, Member, journal, [], 4)
        assert [await ref.ask("x") for ref in refs] == [1] * 4
        for ref in refs:
            ref.tell("crash")
        turns = 0
        while any(snapshot(ref).restarts == 0 for ref in refs):
            await asyncio.sleep(0)
            turns += 1
        assert turns <= 2
        assert calls == []
        assert [await ref.ask("x") for ref in refs] == [1] * 4


async def test_a_member_never_woken_restarts_in_place_marked_as_the_member(
    calls: list[str],
) -> None:
    """Under `one_for_all`, the member whose task never ran (dormant) is restarted too: its
    context was never marked by that task, and its new instance's `__init__` sees it marked
    all the same, as it would in the task the round trip makes."""
    journal: list[str] = []
    marked: list[bool] = []
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        _, (first, second) = await pool_of(system, Member, journal, marked, 2, OneForAll)
        first.tell("crash")
        assert await first.ask("x") == 1
        assert await second.ask("x") == 1
        assert calls == []
        assert journal == ["new 0", "new 1", "new 0", "new 1"]
        assert marked == [False, False, True, True]  # spawned in the pool's task, then not


async def one_pool_restart(seed: int, called: list[str]) -> None:
    rng = random.Random(seed)
    size = rng.randint(1, 5)
    labels = [str(index) for index in range(size)]
    kind = rng.choice([Member, Member, MemberStops, MemberStarts, MemberBoth])
    strategy = rng.choice([OneForAll, RestForOne, OneForOne])
    failed = rng.choice(labels)
    journal: list[str] = []
    marked: list[bool] = []
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        _, ordered = await pool_of(system, kind, journal, marked, size, strategy)
        refs = dict(zip(labels, ordered, strict=True))
        for label in labels:  # parked, or dormant (never woken)
            if rng.random() < 0.5:
                assert await refs[label].ask("x") == 1
        journal.clear()
        marked.clear()
        called.clear()
        crashes = rng.randint(1, 3) if strategy is OneForOne else 1
        behind = rng.randint(0, 2)
        for _ in range(crashes):
            refs[failed].tell("crash")
        for _ in range(behind):
            refs[failed].tell("x")
        at = labels.index(failed)
        affected = {OneForAll: labels, RestForOne: labels[at:], OneForOne: [failed]}[strategy]
        assert await refs[failed].ask("x") == behind + 1
        if affected[-1] != failed:
            assert await refs[affected[-1]].ask("x") == 1
        assert journal == expected(labels, dict.fromkeys(labels, kind), affected, failed) * crashes
        assert marked == [True] * len(affected) * crashes
        restarts = [snapshot(refs[label]).restarts for label in labels]
        assert restarts == [crashes * (label in affected) for label in labels]
        starts = [entry for entry in called if entry.endswith("StartInstance")]
        assert bool(starts) == (kind is not Member)  # a hook's class is never dormant-born


@pytest.mark.parametrize("block", range(4))
async def test_pool_restarts_match_the_round_trip_model(
    block: int,
    calls: list[str],
) -> None:
    for seed in range(block * SEEDS // 4, (block + 1) * SEEDS // 4):
        try:
            await one_pool_restart(seed, calls)
        except BaseException as error:
            raise AssertionError(f"seed {seed}") from error
