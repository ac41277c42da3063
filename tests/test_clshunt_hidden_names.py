"""An actor class's names against those of actorkit's bases: a runtime method hidden by data
(`self.spawn = []`, a dataclass field `stop`, a slotted field `subscribe`) and a name a base
keeps for itself (`self._journal = []` in an event-sourced actor, a `_load` method in a
durable state) are refused at spawn, saying what to change, instead of failing far from the
mistake. A method overriding a method is Python's, and allowed, as are fields named as a
ref's calls."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from typing import Any

import pytest

from actorkit import Actor, ActorSystem
from actorkit.persistence import DurableState, EventSourced

from .hardening_support import BOUND
from .spawn_refusal_support import refused_at_spawn


class StopFlag(Actor):
    def __init__(self) -> None:
        self.stop = False  # type: ignore[method-assign,assignment]

    async def receive(self, message: Any) -> Any:
        return message


class Children(Actor):
    def __init__(self) -> None:
        self.spawn = []  # type: ignore[method-assign,assignment]

    async def receive(self, message: Any) -> Any:
        return message


class Watched(Actor):
    watch: set[str] = set()  # type: ignore[assignment]

    async def receive(self, message: Any) -> Any:
        return message


@dataclasses.dataclass
class Poller(Actor):
    stop: bool = False  # type: ignore[assignment]

    async def receive(self, message: Any) -> Any:
        return message


@dataclasses.dataclass(slots=True)
class SlottedPoller(Actor):
    subscribe: str  # type: ignore[assignment]

    async def receive(self, message: Any) -> Any:
        return message


class Snapshots(EventSourced):
    def __init__(self) -> None:
        self.snapshot = {}  # type: ignore[method-assign,assignment]

    def apply(self, event: Any) -> None:
        pass

    async def receive(self, message: Any) -> Any:
        return message


HIDDEN = [
    (StopFlag, "self.stop", "stop", ()),
    (Children, "self.spawn", "spawn", ()),
    (Watched, "Watched.watch", "watch", ()),
    (Poller, "Poller.stop", "stop", ()),
    (SlottedPoller, "SlottedPoller.subscribe", "subscribe", ("topic",)),
    (Snapshots, "self.snapshot", "snapshot", ()),
]


@pytest.mark.parametrize(
    ("cls", "where", "method", "args"), HIDDEN, ids=[where for _, where, _, _ in HIDDEN]
)
async def test_data_hiding_a_runtime_method_is_refused_at_spawn(
    cls: type[Actor], where: str, method: str, args: tuple[Any, ...]
) -> None:
    said = await refused_at_spawn(cls, *args)
    owner = "EventSourced" if cls is Snapshots else "Actor"
    assert said == (
        f"{cls.__qualname__}: {where} hides {owner}.{method}(), provided by the runtime: keep "
        "yours under another attribute name"
    )


class Journal(EventSourced):
    def __init__(self) -> None:
        self._journal: list[Any] = []  # type: ignore[misc,assignment]

    def apply(self, event: Any) -> None:
        self._journal.append(event)

    async def receive(self, message: Any) -> Any:
        return message


class Load(DurableState):
    def __init__(self) -> None:
        self._load = 0  # type: ignore[method-assign,assignment]

    async def receive(self, message: Any) -> Any:
        return message


class Loader(DurableState):
    def _load(self) -> None:  # type: ignore[override]
        pass

    async def receive(self, message: Any) -> Any:
        return message


class Resumable(Actor):
    def __init__(self) -> None:
        self._resumable = False  # type: ignore[method-assign,assignment]

    async def receive(self, message: Any) -> Any:
        return message


class Grid(Actor):
    """A spreadsheet's cell, whose `_cell` was the runtime's: `self.name` and `self.stop()`
    then failed on a tuple."""

    def __init__(self) -> None:
        self._cell = (1, 2)  # type: ignore[assignment]

    async def receive(self, message: Any) -> Any:
        return message


class Kept(DurableState):
    def __init__(self) -> None:
        self._durable = True  # type: ignore[assignment]

    async def receive(self, message: Any) -> Any:
        return message


PRIVATE = [
    (Grid, "self._cell", "Actor"),
    (Kept, "self._durable", "Actor"),
    (Journal, "self._journal", "EventSourced"),
    (Load, "self._load", "DurableState"),
    (Loader, "Loader._load", "DurableState"),
    (Resumable, "self._resumable", "Actor"),
]


@pytest.mark.parametrize(("cls", "where", "owner"), PRIVATE, ids=[w for _, w, _ in PRIVATE])
async def test_a_name_actorkit_keeps_for_itself_is_refused_at_spawn(
    cls: type[Actor], where: str, owner: str
) -> None:
    said = await refused_at_spawn(cls)
    name = where.rpartition(".")[2]
    assert said == (
        f"{cls.__qualname__}: {where} replaces {owner}.{name}, which actorkit uses itself: "
        "rename yours"
    )


class Slotted(Actor):
    """Its `_cell` is a slot: where the runtime keeps it, not a name of the actor's."""

    __slots__ = ("_cell", "count")

    def __init__(self) -> None:
        self.count = 0

    async def receive(self, message: Any) -> Any:
        self.count += 1
        return (self.name, self.count)


class OwnStop(Actor):
    """Its own `stop` method: an override, as Python allows, calling the runtime's."""

    def __init__(self) -> None:
        self.asked = 0

    def stop(self) -> None:
        self.asked += 1
        super().stop()

    async def receive(self, message: Any) -> Any:
        self.stop()
        return self.asked


@dataclasses.dataclass
class Fields(Actor):
    tell: Callable[..., Any]
    snapshot_taken: bool = False

    async def receive(self, message: Any) -> Any:
        return self.tell(message)


async def test_a_method_overridden_by_a_method_and_fields_of_a_refs_calls_are_accepted() -> None:
    async with ActorSystem(metrics=False) as system:
        async with asyncio.timeout(BOUND):
            own = await system.spawn(OwnStop, restart="temporary")
            assert await own.ask("x") == 1
            await own.stop()
            fields = await system.spawn(Fields, str.upper)
            assert await fields.ask("x") == "X"
            slotted = await system.spawn(Slotted, name="slotted")
            assert await slotted.ask("x") == ("slotted", 1)
