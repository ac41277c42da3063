"""Start and shutdown at the edges a user meets first: a system made before any event loop
runs, and two systems of one name side by side in one loop (covered nowhere else)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import actorkit
from actorkit import Actor, ActorSystem
from actorkit.testing import accepting

from .testing_support import Echo


class Recorded(Actor):
    def __init__(self, stops: list[str]) -> None:
        self.stops = stops

    async def on_stop(self) -> None:
        self.stops.append(self.system.name)


@pytest.mark.parametrize("uvloop", [False, True])
def test_a_system_made_before_any_event_loop_runs_in_the_loop_actorkit_run_starts(
    uvloop: bool,
) -> None:
    """The constructor binds nothing to a loop: a module-level `ActorSystem` (made at import,
    before `actorkit.run`) starts on the loop that runs it and leaves nothing behind."""
    system = ActorSystem("early")
    stops: list[str] = []

    async def main() -> tuple[Any, int]:
        async with asyncio.timeout(10):
            async with system:
                await system.spawn(Recorded, stops)
                answer = await (await system.spawn(Echo)).ask("ping", timeout=5)
            current = asyncio.current_task()
            return answer, len([task for task in asyncio.all_tasks() if task is not current])

    assert actorkit.run(main(), uvloop=uvloop) == ("ping", 0)
    assert stops == ["early"]


async def test_two_systems_of_one_name_in_one_loop_are_independent() -> None:
    """Without a transport a name is a label, not an address (NATS needs names unique across
    the cluster): same paths, refs that are not equal, each shut down on its own."""
    stops: list[str] = []
    async with asyncio.timeout(10):
        first = await ActorSystem("twin").start()
        second = await ActorSystem("twin").start()
        ones = [await s.spawn(Recorded, stops, name="a") for s in (first, second)]
        assert [ref.path for ref in ones] == ["/a", "/a"] and ones[0] != ones[1]
        await first.shutdown()
        assert stops == ["twin"] and not accepting(first) and accepting(second)
        assert first.lookup("/a") is None and second.lookup("/a") == ones[1]
        assert await (await second.spawn(Echo)).ask("still", timeout=5) == "still"
        await second.shutdown()
        assert stops == ["twin", "twin"]
