"""A pool whose members all stopped for good keeps what is sent to it in its own mailbox
while a `resize` starts new ones (none is routed anything until its `on_start` is done). A
sender's messages to one pool keep their order at the member they reach (docs/api.md §9,
Order and delivery): what waited in the pool's mailbox while the first new member started
reaches it ahead of what the sender sends once that member runs, also while the grow goes
on starting the next."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem
from actorkit.testing import ManualClock

BOUND = 5.0
ROUTINGS = ("round_robin", "random", "least_loaded", "consistent_hash", "broadcast")


class Member(Actor):
    """Stops itself on "leave"; a member with a gate waits for it in its `on_start`, and
    member 1 then fails to start."""

    def __init__(self, gates: dict[str, asyncio.Event], seen: list[tuple[str, Any]]) -> None:
        self.gates, self.seen = gates, seen

    async def on_start(self) -> None:
        gate = self.gates.get(self.name)
        if gate is not None:
            await gate.wait()
            if self.name == "1":
                raise RuntimeError("member 1 cannot start")

    async def receive(self, message: Any) -> None:
        if message == "leave":
            self.stop()
            return
        self.seen.append((self.name, message))


@pytest.mark.parametrize("routing", ROUTINGS)
async def test_what_waited_while_the_first_new_member_started_reaches_it_first(
    routing: str, clock: ManualClock
) -> None:
    async with asyncio.timeout(BOUND), ActorSystem(clock=clock) as system:
        gates: dict[str, asyncio.Event] = {}
        seen: list[tuple[str, Any]] = []
        hash_key = (lambda message: "one key") if routing == "consistent_hash" else None
        pool = await system.spawn_pool(
            Member, gates, seen, size=1, routing=routing, hash_key=hash_key, restart="temporary"
        )
        system.subscribe(pool, "news")
        pool.members[0].tell("leave")
        await clock.settle()
        assert pool.members == []  # every member stopped for good
        gates["0"], gates["1"] = asyncio.Event(), asyncio.Event()
        growing = asyncio.create_task(pool.resize(2))
        await clock.settle()  # the new member 0 is in its `on_start`
        pool.tell("told while it starts")
        assert system.publish("news", "published while it starts") == 1  # the pool took it
        await pool.send("sent while it starts")
        gates["0"].set()
        await clock.settle()  # member 0 runs, member 1 is in its `on_start`
        pool.tell("told once it runs")
        assert system.publish("news", "published once it runs") == 1
        await pool.send("sent once it runs")
        gates["1"].set()
        with pytest.raises(RuntimeError, match="member 1 cannot start"):
            await growing
        await clock.settle()
        assert seen == [
            ("0", "told while it starts"),
            ("0", "published while it starts"),
            ("0", "sent while it starts"),
            ("0", "told once it runs"),
            ("0", "published once it runs"),
            ("0", "sent once it runs"),
        ]
        assert system.dead_letters.count == 0
        assert system.accounting().balanced
