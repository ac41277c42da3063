"""A pool's grow starts its new members one at a time, each until its `on_start` is done
(docs/api.md §9, `resize`). What is sent to the pool meanwhile goes to the members already
running: one still in its `on_start` is routed nothing, since a start that fails would leave
what it was given dead letters while the pool runs on with the members that did start.
`pool.members` lists it all the same (README, "Pools")."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem
from actorkit.testing import ManualClock

BOUND = 5.0
ROUTINGS = ("round_robin", "random", "least_loaded", "consistent_hash", "broadcast")


class StartsLate(Actor):
    """Member 2's `on_start` says it began, waits for the gate, then fails."""

    def __init__(self, gate: asyncio.Event, began: asyncio.Event, seen: list[Any]) -> None:
        self.gate, self.began, self.seen = gate, began, seen

    async def on_start(self) -> None:
        if self.name == "2":
            self.began.set()
            await self.gate.wait()
            raise RuntimeError("member 2 cannot start")

    async def receive(self, message: Any) -> Any:
        self.seen.append((self.name, message))
        return self.name


@pytest.mark.parametrize("routing", ROUTINGS)
async def test_a_member_whose_start_fails_was_routed_nothing(
    routing: str, clock: ManualClock
) -> None:
    async with asyncio.timeout(BOUND), ActorSystem(clock=clock) as system:
        gate, began, seen = asyncio.Event(), asyncio.Event(), list[Any]()
        hash_key = (lambda message: message) if routing == "consistent_hash" else None
        pool = await system.spawn_pool(
            StartsLate, gate, began, seen, size=1, routing=routing, hash_key=hash_key
        )
        growing = asyncio.create_task(pool.resize(3))
        await began.wait()  # member 1 runs, member 2 is in its `on_start`
        assert [member.name for member in pool.members] == ["0", "1", "2"]  # listed, starting
        for n in range(6):
            pool.tell(("tell", n))
        asks = [asyncio.ensure_future(pool.ask(("ask", n), timeout=BOUND)) for n in range(4)]
        sends = [asyncio.ensure_future(pool.send(("send", n))) for n in range(4)]
        await clock.settle()  # every ask and send has chosen its member
        gate.set()
        with pytest.raises(RuntimeError, match="member 2 cannot start"):
            await growing
        assert set(await asyncio.gather(*asks)) <= {"0", "1"}
        await asyncio.gather(*sends)
        await clock.settle()
        copies = 2 if routing == "broadcast" else 1
        assert len(seen) == copies * 14
        assert {name for name, _ in seen} <= {"0", "1"}
        assert [member.name for member in pool.members] == ["0", "1"]
        assert system.dead_letters.count == 0
        assert system.accounting().balanced


class AsksOnStart(Actor):
    """A member a grow adds asks its pool for each key in its `on_start`, and keeps who
    answered: a key the routing gave to the asker itself could be answered only once that
    `on_start` returned."""

    def __init__(self, pools: list[Any], answers: dict[str, list[str]]) -> None:
        self.pools, self.answers = pools, answers

    async def on_start(self) -> None:
        if self.pools:
            pool = self.pools[0]
            self.answers[self.name] = [await pool.ask(key, timeout=BOUND) for key in range(16)]

    async def receive(self, message: Any) -> Any:
        return self.name


async def test_a_new_member_asking_its_pool_in_its_on_start_is_answered_by_a_running_one(
    clock: ManualClock,
) -> None:
    async with asyncio.timeout(BOUND), ActorSystem(clock=clock) as system:
        pools: list[Any] = []
        answers: dict[str, list[str]] = {}
        pool = await system.spawn_pool(
            AsksOnStart,
            pools,
            answers,
            size=1,
            routing="consistent_hash",
            hash_key=lambda message: message,
        )
        pools.append(pool)
        await pool.resize(4)
        assert sorted(answers) == ["1", "2", "3"]
        for asker, names in answers.items():
            assert set(names) <= {str(n) for n in range(int(asker))}
        assert system.accounting().balanced
