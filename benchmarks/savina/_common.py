"""What every Savina workload shares: the raw actor, the done signal, the bench record.

The raw side is what a careful hand-written asyncio program does: one task and one
`asyncio.Queue` per actor (`messaging.RawActor`), `put_nowait` for a tell and a future for a
reply. As in `messaging`, both sides run the very same handler (the actor class's `receive`),
so the difference is the runtime alone: `Raw.spawn` builds the class outside any system, on
a subclass where `ref` is a plain attribute holding the raw actor (what a hand-written actor
keeps). Where the runtime itself is the workload (spawning inside actors, stopping), the
raw side is written out by hand in the workload's module. Both sides signal the end the
same way, through a plain asyncio future (`Done`) resolved by the last actor, so neither
side pays for a mechanism the other skips.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Generator
from typing import Any

from actorkit import Actor, ActorSystem

from .._harness import Bench, Figures, Metric, Side
from ..messaging import RawActor


class Done:
    """A countdown over `count` parts that resolves with the sum of their values: the end of
    a run, and the figure it verifies. It has `tell`, so an actor can reply to it."""

    __slots__ = ("count", "future", "total")

    def __init__(self, count: int = 1) -> None:
        self.count = count
        self.total = 0
        self.future: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def tell(self, value: int) -> None:
        self.total += value
        self.count -= 1
        if self.count == 0:
            self.future.set_result(self.total)

    def __await__(self) -> Generator[Any, None, int]:
        return self.future.__await__()


class Raw:
    """The raw side's actors, all closed (cancelled and awaited) at the end of a run."""

    def __init__(self) -> None:
        self.actors: list[RawActor] = []

    def spawn(self, factory: type[Actor], *args: Any) -> RawActor:
        """`factory(*args)` run by a raw task and queue; returns the raw actor (its ref)."""
        instance = _raw_class(factory)(*args)
        actor = RawActor(instance.receive)
        instance.ref = actor
        self.actors.append(actor)
        return actor

    async def close(self) -> None:
        for actor in self.actors:
            actor.task.cancel()
        await asyncio.gather(*(actor.task for actor in self.actors), return_exceptions=True)


_RAW_CLASSES: dict[type[Actor], type[Any]] = {}


def _raw_class(factory: type[Actor]) -> type[Any]:
    """`factory` with `ref` as a plain attribute instead of the cell's property."""
    cls = _RAW_CLASSES.get(factory)
    if cls is None:
        cls = _RAW_CLASSES[factory] = type(factory.__name__, (factory,), {"ref": None})
    return cls


@contextlib.asynccontextmanager
async def raw_actors() -> AsyncIterator[Raw]:
    raw = Raw()
    try:
        yield raw
    finally:
        await raw.close()


def system() -> ActorSystem:
    """The actorkit side: `ActorSystem()` defaults, so metrics are on."""
    return ActorSystem("savina")


def check(got: object, expected: object) -> None:
    if got != expected:
        raise AssertionError(f"wrong result: got {got!r}, expected {expected!r}")


def savina(
    name: str,
    actorkit: Side,
    raw: Side,
    *,
    size: int,
    quick: int,
    unit: str = "msgs/s",
    per_n: int = 1,
    messages: Callable[[int], int] | None = None,
) -> Bench:
    """A Savina bench: run only when named, target >= 1.0x hand-written asyncio on `rate`."""
    return Bench(
        name,
        actorkit,
        raw,
        (Metric("rate", unit, target=1.0),),
        size=size,
        quick_size=quick,
        explicit=True,
        per_n=per_n,
        messages=messages,
    )


def figures(messages: int, seconds: float) -> Figures:
    return {"rate": messages / seconds}
