"""`self.children` stays in start order across restarts (API §9, §3): a restarted child keeps
its place under every strategy, a `temporary` one that a sibling's `one_for_all` or
`rest_for_one` restart stops leaves the list, as does a `transient` one that stops itself,
and a child spawned later comes last. The restarts run in that order too (OTP)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorRef, ActorSystem, OneForAll, OneForOne, RestForOne, Strategy

BOUND = 5.0
STRATEGIES = {"one_for_one": OneForOne, "one_for_all": OneForAll, "rest_for_one": RestForOne}


class Child(Actor):
    def __init__(self, starts: list[str]) -> None:
        self.starts = starts

    async def on_start(self) -> None:
        self.starts.append(self.name)

    async def receive(self, message: Any) -> Any:
        if message == "fail":
            raise ValueError("failed on purpose")
        if message == "stop yourself":
            self.stop()
        return message


class Parent(Actor):
    """Children a (permanent), b (temporary), c (transient), d (permanent)."""

    def __init__(self, strategy: Strategy, starts: list[str]) -> None:
        self.supervisor_strategy = strategy
        self.starts = starts

    async def on_start(self) -> None:
        kinds = ("permanent", "temporary", "transient", "permanent")
        for name, restart in zip("abcd", kinds, strict=True):
            await self.spawn(Child, self.starts, name=name, restart=restart)

    async def receive(self, message: Any) -> Any:
        if message == "spawn e":
            await self.spawn(Child, self.starts, name="e")
        return [child.name for child in self.children]


def child(system: ActorSystem, name: str) -> ActorRef:
    found = system.lookup(f"/p/{name}")
    assert found is not None
    return found


@pytest.mark.parametrize("strategy", list(STRATEGIES))
async def test_children_keep_their_start_order_across_restarts(strategy: str) -> None:
    starts: list[str] = []
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        parent = await system.spawn(Parent, STRATEGIES[strategy](), starts, name="p")
        first = child(system, "a")
        starts.clear()
        with pytest.raises(ValueError):
            await first.ask("fail")
        kept = list("abcd") if strategy == "one_for_one" else list("acd")
        assert await parent.ask("who") == kept
        assert starts == (["a"] if strategy == "one_for_one" else ["a", "c", "d"])
        assert child(system, "a") == first
        assert await parent.ask("spawn e") == [*kept, "e"]
        await child(system, "c").ask("stop yourself")
        assert await parent.ask("who") == [name for name in kept if name != "c"] + ["e"]
        starts.clear()
        with pytest.raises(ValueError):
            await child(system, "d").ask("fail")
        after = [name for name in kept if name != "c"] + ["e"]
        assert await parent.ask("who") == after
        restarted = {
            "one_for_one": ["d"],
            "one_for_all": ["a", "d", "e"],
            "rest_for_one": ["d", "e"],
        }
        assert starts == restarted[strategy]
