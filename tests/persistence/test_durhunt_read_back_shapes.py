"""Recovery rebuilds each registered class from its fields by their annotations, which turn a
list into a tuple for a `tuple[...]` field and a tuple into a list for a `list[...]` one. An
event given the other kind was stored all the same: the live instance applied what it was
given, every recovery applies something else, and the two states differ (a list where a
tuple is, `[1] != (1,)`; a list's methods gone). Such a value is refused before anything is
written, as one its annotations refuse is; an int in a `float` field, which reads back equal,
is not, nor is NaN, which reads back as itself."""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass
from typing import Any

import pytest

import actorkit
from actorkit import ActorSystem
from actorkit.persistence import DurableState, EventSourced

from .durable_support import SharedMemoryStore

pytestmark = pytest.mark.timeout(30)


@actorkit.message("durhunt.Tagged")
@dataclass(frozen=True)
class Tagged:
    tags: tuple[str, ...]


@actorkit.message("durhunt.Listed")
@dataclass(frozen=True)
class Listed:
    items: list[int]


@actorkit.message("durhunt.Priced")
@dataclass(frozen=True)
class Priced:
    price: float
    tags: tuple[str, ...] = ()


@actorkit.message("durhunt.Basket")
@dataclass(frozen=True)
class Basket:
    lines: list[Tagged]


class Shelf(EventSourced):
    def __init__(self) -> None:
        self.seen: list[Any] = []

    def apply(self, event: Any) -> None:
        self.seen.append(event)

    async def receive(self, message: object) -> object:
        if message != "get":
            await self.persist(message)
        return list(self.seen)


async def _kept(event: object) -> tuple[object, object]:
    """What the live instance holds after persisting `event`, and what a recovery rebuilds;
    the persist's error instead of the first when it refused the event."""
    store = SharedMemoryStore()
    async with asyncio.timeout(10):
        async with ActorSystem("s", store=store) as system:
            shelf = await system.spawn(Shelf, name="shelf")
            try:
                live: object = await shelf.ask(event)
            except TypeError as error:
                live = error
        async with ActorSystem("s", store=store.another()) as system:
            recovered = await (await system.spawn(Shelf, name="shelf")).ask("get")
    return live, recovered


@pytest.mark.parametrize(
    ("event", "where"),
    [
        (Tagged(tags=["a"]), "Tagged.tags"),  # type: ignore[arg-type]
        (Listed(items=(1, 2)), "Listed.items"),  # type: ignore[arg-type]
        (Basket(lines=[Tagged(("a",)), Tagged(["b"])]), "Basket.lines[1].tags"),  # type: ignore[arg-type]
        ([Priced(1.5, ["x"])], "[0].tags"),  # type: ignore[arg-type]
    ],
)
async def test_a_sequence_of_the_other_kind_than_its_field_reads_back_is_refused(
    event: object, where: str
) -> None:
    live, recovered = await _kept(event)
    assert isinstance(live, TypeError), f"stored and applied as {live!r}, recovered {recovered!r}"
    assert where in str(live) and "read back" in str(live)
    assert recovered == []  # nothing written


@pytest.mark.parametrize(
    "event",
    [
        Tagged(tags=("a",)),
        Listed(items=[1, 2]),
        Priced(price=5),  # an int in a float field reads back as 5.0: equal
        Basket(lines=[Tagged(("a",))]),
        {"plain": [1, (2, 3)], "nested": Priced(2.5, ("t",))},
    ],
)
async def test_what_reads_back_equal_is_stored_and_recovered_as_applied(event: object) -> None:
    live, recovered = await _kept(event)
    assert live == recovered == [event]


async def test_nan_reads_back_as_itself_and_is_stored() -> None:
    live, recovered = await _kept(Priced(math.nan, ("a",)))
    assert isinstance(live, list) and isinstance(recovered, list)
    assert math.isnan(live[0].price) and math.isnan(recovered[0].price)


class Holder(DurableState):
    async def receive(self, message: object) -> object:
        await self.save(message)
        return self.state


async def test_a_durable_state_is_checked_alike() -> None:
    async with asyncio.timeout(10), ActorSystem("s", store=SharedMemoryStore()) as system:
        holder = await system.spawn(Holder, name="h")
        with pytest.raises(TypeError, match=r"state cannot be stored: .*\['k'\]\.tags"):
            await holder.ask({"k": Tagged(["a"])})  # type: ignore[arg-type]
