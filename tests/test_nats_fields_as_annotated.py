"""A message's fields arrive as their annotations rebuild them, as docs/distributed.md says: a
tuple in a `Sequence[...]` field as a list (so a frozen message holding it is unhashable
there), a list in a `tuple[...]` one as a tuple, an int in a `float` one as a float, an `Any`
field as sent; and attrs converters do not run on receipt, so a value no converter saw
arrives as it was sent."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import attrs

import actorkit
from actorkit import Actor

from .nats_support import SAFETY, NatsServer, requires_nats
from .nats_systems_support import echo_across

pytestmark = requires_nats


@actorkit.message("annotated.Kinds")
@dataclasses.dataclass(frozen=True)
class Kinds:
    seq: Sequence[str]
    tup: tuple[int, ...]
    number: float
    kept: Any


def lowered(name: str) -> str:
    return name.lower()


@actorkit.message("annotated.Lowered")
@attrs.frozen
class Lowered:
    name: str = attrs.field(converter=lowered)


class Describes(Actor):
    """Answers with what it received, said in plain data, so the answer's own crossing
    rebuilds nothing."""

    async def receive(self, message: Any) -> Any:
        if isinstance(message, Kinds):
            fields = (message.seq, message.tup, message.number, message.kept)
            try:
                hash(message)
            except TypeError:
                hashable = False
            else:
                hashable = True
            return [type(field).__name__ for field in fields] + [hashable]
        assert isinstance(message, Lowered)
        return message.name


async def test_fields_arrive_as_their_annotations_rebuild_them(server: NatsServer) -> None:
    async with echo_across(server, Describes, "describes") as (_, _, remote):
        sent = Kinds(("a",), [1], 2, (3,))  # type: ignore[arg-type]  # a list where tuple[...] is
        hash(Kinds(("a",), (1,), 2, (3,)))  # hashable here, with the tuples it was given
        got = await remote.ask(sent, timeout=SAFETY)
        assert got == ["list", "tuple", "float", "tuple", False]


async def test_attrs_converters_do_not_run_on_receipt(server: NatsServer) -> None:
    async with echo_across(server, Describes, "describes") as (_, _, remote):
        assert await remote.ask(Lowered("ABC"), timeout=SAFETY) == "abc"  # the sender's ran
        unconverted = Lowered("x")
        object.__setattr__(unconverted, "name", "ABC")  # what a peer may send: no converter ran
        assert await remote.ask(unconverted, timeout=SAFETY) == "ABC"
