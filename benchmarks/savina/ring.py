"""Thread ring: a token passed n hops around a ring of 100, 1,000 and 10,000 actors.

Every hop wakes an actor that has nothing else queued, and with many actors each wake-up
touches a different task and mailbox, so the cost per hop should not grow with the ring:
`flat` is the largest cost per hop over the three sizes divided by the smallest (target: at
most 1.3 for actorkit's own figures). Building the ring is not timed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from actorkit import Actor

from .._harness import Bench, Figures, Metric, Stopwatch
from ._common import Done, check, raw_actors, system

SIZES = {"100": 100, "1k": 1_000, "10k": 10_000}


class Node(Actor):
    """Passes the token (hops left) to `next`; the node that receives 0 reports its index."""

    def __init__(self, index: int, done: Done) -> None:
        self.index = index
        self.done = done
        self.next: Any = None

    async def receive(self, message: Any) -> None:
        if type(message) is int:
            if message:
                self.next.tell(message - 1)
            else:
                self.done.tell(self.index)
        else:
            self.next = message


Spawner = Callable[[int, Done], Awaitable[Any]]


async def ring(spawn: Spawner, size: int, hops: int) -> float:
    """Seconds for `hops` hops around a ring of `size` nodes built with `spawn`."""
    done = Done()
    nodes = [await spawn(index, done) for index in range(size)]
    for node, after in zip(nodes, nodes[1:] + nodes[:1], strict=True):
        node.tell(after)
    # One loop turn runs every ready task once: each node's task takes its `next` and parks
    # now, so that the first lap does not time the ring's start-up (10,000 first task steps
    # in the largest ring, on either side).
    await asyncio.sleep(0)
    with Stopwatch() as watch:
        nodes[0].tell(hops)
        last = await done
    check(last, hops % size)
    return watch.seconds


def sweep(seconds: dict[str, float], hops: int) -> Figures:
    result: Figures = {}
    for label, taken in seconds.items():
        result[f"hops_{label}"] = hops / taken
        result[f"ns_{label}"] = taken / hops * 1e9
    per_hop = [result[f"ns_{label}"] for label in SIZES]
    result["flat"] = max(per_hop) / min(per_hop)
    return result


async def ring_actorkit(hops: int) -> Figures:
    seconds = {}
    for label, size in SIZES.items():
        async with system() as actors:

            async def spawn(index: int, done: Done) -> Any:
                return await actors.spawn(Node, index, done, mailbox_size=None)

            seconds[label] = await ring(spawn, size, hops)
    return sweep(seconds, hops)


async def ring_raw(hops: int) -> Figures:
    seconds = {}
    for label, size in SIZES.items():
        async with raw_actors() as raw:

            async def spawn(index: int, done: Done) -> Any:
                return raw.spawn(Node, index, done)

            seconds[label] = await ring(spawn, size, hops)
    return sweep(seconds, hops)


BENCHES = [
    Bench(
        "savina_ring",
        ring_actorkit,
        ring_raw,
        (
            *(Metric(f"hops_{label}", "hops/s", target=1.0) for label in SIZES),
            *(Metric(f"ns_{label}", "ns/hop", higher_is_better=False) for label in SIZES),
            Metric("flat", "max/min ns per hop", higher_is_better=False, target=1.3, absolute=True),
        ),
        size=100_000,
        quick_size=2_000,
        explicit=True,
        per_n=len(SIZES),
    )
]
