"""A deploy in one process: history written while version 1 of a stored class is registered,
recovered by a new system on the same store while version 2 is (or nothing is) registered
under the stored name. Each case is one change of docs/persistence.md, "Changing stored
classes between deploys", stored as an event, a snapshot, a state and a reminder message."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

import actorkit
from actorkit import ActorSystem, _registry
from actorkit.persistence import DurableState, EventSourced, Store, _evolution
from actorkit.testing import ManualClock

from .evolution_versions import (
    Bag,
    BagList,
    Dep,
    DepAdded,
    DepAny,
    DepAttrs,
    DepBool,
    DepEither,
    DepFloat,
    DepNoteRequired,
    Deposited,
    DepRemoved,
    DepRenamed,
    DepRequired,
    DepText,
    Item,
    Line,
    LineAdded,
    LineText,
    Mark,
    MarkData,
    Order,
    OrderAdded,
    OrderOfAny,
    OrderOfItem,
    OrderText,
    Paint,
    PaintMore,
    PaintRed,
    Price,
    PriceInt,
)

V1 = {
    "evo.Dep": Dep,
    "evo.Line": Line,
    "evo.Order": Order,
    "evo.Paint": Paint,
    "evo.Bag": Bag,
    "evo.Price": Price,
    "evo.Mark": Mark,
}


@dataclass(frozen=True)
class Case:
    stored: object
    """Written with `V1` registered."""
    deploy: dict[str, type | None]
    """Version 2: the names registered anew (None: no longer registered)."""
    expected: object = None
    """A compatible change: the value recovery yields."""
    failure: tuple[str, ...] = ()
    """An incompatible one: what its `PersistenceError` says, besides where it is stored."""


COMPATIBLE = {
    "field added with a default": Case(Dep(5), {"evo.Dep": DepAdded}, DepAdded(5, None, "EUR")),
    "field removed": Case(Dep(5, "x"), {"evo.Dep": DepRemoved}, DepRemoved(5)),
    "int to float": Case(Dep(5), {"evo.Dep": DepFloat}, DepFloat(5.0)),
    "int to float past 2**53, rounded as float(n) rounds": Case(
        Dep(2**53 + 1), {"evo.Dep": DepFloat}, DepFloat(float(2**53 + 1))
    ),
    "type widened to Any": Case(Dep(5), {"evo.Dep": DepAny}, DepAny(5)),
    "type widened to a union": Case(Dep(5), {"evo.Dep": DepEither}, DepEither(5)),
    "tuple to list": Case(Bag((1, 2)), {"evo.Bag": BagList}, BagList([1, 2])),
    "literal value added": Case(Paint("blue"), {"evo.Paint": PaintMore}, PaintMore("blue")),
    "field's class replaced, annotated Any": Case(
        Order(Line(2)), {"evo.Order": OrderOfAny}, OrderOfAny(Line(2))
    ),
    "optional made required, a value stored": Case(
        Dep(5, "x"), {"evo.Dep": DepNoteRequired}, DepNoteRequired(5, "x")
    ),
    "class renamed keeping its registered name": Case(Dep(5), {"evo.Dep": Deposited}, Deposited(5)),
    "dataclass turned attrs class": Case(Dep(5), {"evo.Dep": DepAttrs}, DepAttrs(5)),
    "attrs class turned dataclass": Case(Mark(5), {"evo.Mark": MarkData}, MarkData(5)),
    "nested message: field added with a default": Case(
        Order(Line(2)),
        {"evo.Line": LineAdded, "evo.Order": OrderAdded},
        OrderAdded(LineAdded(2)),
    ),
    "literal value removed, another stored": Case(
        Paint("red"), {"evo.Paint": PaintRed}, PaintRed("red")
    ),
}

_NEW_NAME = "register the new one under a new name"
INCOMPATIBLE = {
    "field added without a default": Case(
        Dep(5),
        {"evo.Dep": DepRequired},
        failure=("'evo.Dep'", "`currency`", "give currency a default"),
    ),
    "field renamed": Case(
        Dep(5), {"evo.Dep": DepRenamed}, failure=("'evo.Dep'", "`cents`", _NEW_NAME)
    ),
    "int to str": Case(
        Dep(5), {"evo.Dep": DepText}, failure=("'evo.Dep'", "`$.amount`", "(`str | int`)")
    ),
    "float to int": Case(
        Price(5.0), {"evo.Price": PriceInt}, failure=("'evo.Price'", "`$.value`", "(`int | float`)")
    ),
    "int to bool": Case(
        Dep(5), {"evo.Dep": DepBool}, failure=("'evo.Dep'", "`$.amount`", "(`bool | int`)")
    ),
    "optional made required, None stored": Case(
        Dep(5),
        {"evo.Dep": DepNoteRequired},
        failure=("'evo.Dep'", "`$.note`", "(`str | None`)"),
    ),
    "nested message: field type changed": Case(
        Order(Line(2)),
        {"evo.Line": LineText, "evo.Order": OrderText},
        failure=("'evo.Line'", "`$.qty`", _NEW_NAME),
    ),
    "nested message: class replaced": Case(
        Order(Line(2)),
        {"evo.Order": OrderOfItem, "evo.Item": Item},
        failure=("'evo.Order'", "`$.line`", "(`Any`)", _NEW_NAME),
    ),
    "class renamed without keeping its registered name": Case(
        Dep(5),
        {"evo.Dep": None, "evo.Deposited": Deposited},
        failure=("'evo.Dep'", "@actorkit.message('evo.Dep')"),
    ),
    "class removed": Case(
        Dep(5), {"evo.Dep": None}, failure=("'evo.Dep'", "@actorkit.message('evo.Dep')")
    ),
    "literal value removed, that value stored": Case(
        Paint("blue"),
        {"evo.Paint": PaintRed},
        failure=("'evo.Paint'", "`$.color`", "back in its Literal", _NEW_NAME),
    ),
}


def deploy(names: dict[str, type | None]) -> None:
    """Registers `names` as a new version of the program would, in place of what was."""
    for name, cls in names.items():
        old = _registry._by_name.pop(name, None)  # noqa: SLF001 - what a new process lacks
        if old is not None:
            del _registry._by_class[old]  # noqa: SLF001
        if cls is not None:
            actorkit.message(name)(cls)


@pytest.fixture
def versions(monkeypatch: pytest.MonkeyPatch) -> None:
    """`V1` registered, and the registry as it was once the test ends; warnings of dropped
    fields told again."""
    for table in ("_by_name", "_by_class"):
        monkeypatch.setattr(_registry, table, dict(getattr(_registry, table)))
    monkeypatch.setattr(_evolution, "_told", set())
    deploy(dict(V1))


class Log(EventSourced):
    """Its events, as recovered."""

    def __init__(self) -> None:
        self.seen: list[Any] = []

    def apply(self, event: Any) -> None:
        self.seen.append(event)

    async def receive(self, message: Any) -> Any:
        if message == "now":
            return self.seen
        await self.persist(message[1])
        return None


class Snapped(EventSourced):
    """Keeps a value in its snapshot, taken at every event; its events carry nothing."""

    snapshot_every = 1

    def __init__(self) -> None:
        self.kept: Any = None

    def apply(self, event: Any) -> None:
        """Its state is only what its snapshot restores."""

    def snapshot(self) -> object:
        return self.kept

    def restore(self, snapshot: Any) -> None:
        self.kept = snapshot

    async def receive(self, message: Any) -> Any:
        if message == "now":
            return self.kept
        self.kept = message[1]
        await self.persist("kept")
        return None


class Kept(DurableState):
    async def receive(self, message: Any) -> Any:
        if message == "now":
            return self.state
        await self.save(message[1])
        return None


class Reminded(DurableState):
    """Records the messages its reminders bring."""

    def __init__(self) -> None:
        self.got: list[Any] = []

    async def receive(self, message: Any) -> Any:
        if message == "now":
            return self.got
        if isinstance(message, tuple) and message[0] == "keep":
            await self.reminders.start("r", message[1], 1.0)
            return None
        self.got.append(message)
        return None


ACTORS: dict[str, type[EventSourced | DurableState]] = {
    "event": Log,
    "snapshot": Snapped,
    "state": Kept,
    "reminder": Reminded,
}
WHERE = {
    "event": "event 1 of '/a'",
    "snapshot": "snapshot 1 of '/a'",
    "state": "state revision 1 of '/a'",
    "reminder": "reminder 'r' of '/a'",
}


async def write(store: Store, kind: str, value: object) -> None:
    async with ActorSystem("v1", store=store, clock=ManualClock()) as system:
        actor = await system.spawn(ACTORS[kind], name="a")
        await actor.ask(("keep", value))


async def recover(store: Store, kind: str) -> object:
    """What the actor holds after its recovery on `store`: for a reminder, its message once
    it fell due. Raises what its spawn raises."""
    clock = ManualClock()
    async with ActorSystem("v2", store=store, clock=clock) as system:
        actor = await system.spawn(ACTORS[kind], name="a")
        if kind == "reminder":
            await clock.advance(1.0)
            got = await actor.ask("now")
            return got[0] if got else None
        answer = await actor.ask("now")
        return answer[0] if kind == "event" else answer
