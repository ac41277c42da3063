"""An int in a `float` field of a durable event or state: recovery rebuilds it as a float,
so one a float cannot hold exactly (past 2**53) is refused at persist, naming the field, as a
list in a `tuple` field is (`_wire_kept`); one it holds exactly is stored and reads back
equal."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

import actorkit
from actorkit import ActorSystem
from actorkit._wire import Codec
from actorkit.persistence import DurableState, EventSourced, SQLiteStore

from .durable_support import journal

pytestmark = pytest.mark.timeout(30)

INEXACT = 2**53 + 1
"""The least positive int a float rounds: it reads back as 2**53."""


@actorkit.message("durable_float_fields.Reading")
@dataclasses.dataclass(frozen=True)
class Reading:
    value: float


@actorkit.message("durable_float_fields.Maybe")
@dataclasses.dataclass(frozen=True)
class Maybe:
    value: float | None


@actorkit.message("durable_float_fields.Series")
@dataclasses.dataclass(frozen=True)
class Series:
    values: list[float]


@actorkit.message("durable_float_fields.Either")
@dataclasses.dataclass(frozen=True)
class Either:
    value: int | float  # an int stays an int


@actorkit.message("durable_float_fields.Wrapped")
@dataclasses.dataclass(frozen=True)
class Wrapped:
    inner: Any


class Readings(EventSourced):
    def __init__(self) -> None:
        self.seen: list[object] = []

    def apply(self, event: Any) -> None:
        self.seen.append(event)

    async def receive(self, message: Any) -> Any:
        if message == "seen":
            return self.seen
        await self.persist(message)
        return None


@pytest.mark.parametrize(
    ("value", "where"),
    [
        (Reading(INEXACT), "Reading.value"),
        (Reading(-INEXACT), "Reading.value"),
        (Maybe(INEXACT), "Maybe.value"),
        (Series([1.5, INEXACT]), r"Series.values\[1\]"),
        (Wrapped(Reading(INEXACT)), r"Wrapped.inner.value"),
    ],
    ids=["float", "negative", "optional", "list", "nested"],
)
def test_an_int_a_float_field_would_round_is_refused_naming_the_field(
    value: object, where: str
) -> None:
    codec = Codec()
    for _ in range(2):  # the first call plans the class, the second takes the fast path
        with pytest.raises(
            TypeError, match=rf"would not be read back as given: {where} is the int"
        ):
            codec.encode_value(value)


@pytest.mark.parametrize(
    "value",
    [Reading(2**53), Reading(2**60), Reading(-(2**53)), Maybe(3), Series([1, 2]), Either(INEXACT)],
    ids=repr,
)
def test_an_int_a_float_field_holds_exactly_is_stored(value: object) -> None:
    codec = Codec()
    for _ in range(2):
        assert codec.decode(codec.encode_value(value)) == [value]


async def test_persist_refuses_it_and_the_recovered_state_is_the_live_one(tmp_path: Path) -> None:
    async with ActorSystem("floats", store=SQLiteStore(tmp_path / "j.db")) as system:
        readings = await system.spawn(Readings, name="readings")
        await readings.ask(Reading(2.5))
        with pytest.raises(
            TypeError, match=r"event cannot be stored: .* Reading\.value is the int"
        ):
            await readings.ask(Reading(INEXACT))
        await readings.ask(Reading(2**60))
        live = await readings.ask("seen")
    async with ActorSystem("floats", store=(store := SQLiteStore(tmp_path / "j.db"))) as system:
        readings = await system.spawn(Readings, name="readings")
        assert await readings.ask("seen") == live
        assert await journal(store, "/readings") == [Reading(2.5), Reading(2**60)]


class Gauge(DurableState):
    async def receive(self, message: Any) -> Any:
        await self.save(message)
        return self.state


async def test_a_state_holding_it_is_refused_too(tmp_path: Path) -> None:
    async with ActorSystem("floats", store=SQLiteStore(tmp_path / "s.db")) as system:
        gauge = await system.spawn(Gauge, name="gauge")
        with pytest.raises(
            TypeError,
            match=r"Reading\.value is the int 9007199254740993, which reads back as the float",
        ):
            await gauge.ask(Reading(INEXACT))
