"""Messages registered with `actorkit.message` cross a live link whole: nested, frozen,
with defaults, `Optional`, unions with plain values and `Literal` fields, attrs and
dataclasses mixed; what may not cross is a `TypeError` at the sender that names the type,
where it sits and what to do, and nothing reaches the receiver (API.md §10)."""

from __future__ import annotations

import dataclasses
import datetime
import enum
from typing import Literal, Optional, Union

import attrs
import pytest

import actorkit

from .nats_support import SAFETY, NatsServer, requires_nats
from .nats_systems_support import echo_across

pytestmark = requires_nats


@actorkit.message("natshunt.Line")
@attrs.frozen
class Line:
    sku: str
    count: int = 1
    note: Optional[str] = None  # noqa: UP045  # typing's spelling, on purpose


@actorkit.message("natshunt.Order")
@dataclasses.dataclass(frozen=True, kw_only=True)
class Order:
    lines: tuple[Line, ...]
    by_sku: dict[str, Line] = dataclasses.field(default_factory=dict)
    gift: Line | None = None
    ref: Union[int, str] = 0  # noqa: UP007  # typing's spelling, on purpose
    speed: Literal["slow", "fast"] = "slow"
    tags: list[str] = dataclasses.field(default_factory=list)


@actorkit.message("natshunt.Stamped")
@dataclasses.dataclass(frozen=True)
class Stamped:
    at: datetime.datetime


class Colour(enum.Enum):
    RED = 1


@dataclasses.dataclass(frozen=True)
class Unregistered:
    x: int


async def test_nested_frozen_messages_with_defaults_and_unions_cross_whole(
    server: NatsServer,
) -> None:
    async with echo_across(server) as (_, _, echo):
        full = Order(
            lines=(Line("apple", 2, "ripe"), Line("pear")),
            by_sku={"apple": Line("apple", 2)},
            gift=Line("card", note=None),
            ref="A-7",
            speed="fast",
            tags=["eu"],
        )
        bare = Order(lines=())
        echo.tell(bare)
        assert await echo.ask(full) == ("echo", full)
        await echo.send({"orders": [full, bare], "pair": (bare, 5)})
        got = await echo.ask("got")
        assert got == [bare, full, {"orders": [full, bare], "pair": (bare, 5)}]
        assert type(got[1].lines[0]) is Line and type(got[2]["pair"]) is tuple


@pytest.mark.parametrize(
    ("message", "words"),
    [
        (
            Stamped(datetime.datetime(2026, 1, 1)),
            r"cannot encode a datetime\.datetime at Stamped\.at: values that cross",
        ),
        (
            Order(lines=(), tags=[Colour.RED]),  # type: ignore[list-item]
            r"cannot encode a .*Colour at Order\.tags\[0\]",
        ),
        (
            [1, Unregistered(1)],
            r"Unregistered at \[1\] is not a registered message type: decorate it with "
            r"@actorkit\.message",
        ),
    ],
)
async def test_what_may_not_cross_is_refused_at_the_sender_and_never_arrives(
    server: NatsServer, message: object, words: str
) -> None:
    async with echo_across(server) as (sender, receiver, echo):
        with pytest.raises(TypeError, match=words):
            echo.tell(message)
        with pytest.raises(TypeError, match=words):
            await echo.send(message)
        with pytest.raises(TypeError, match=words):
            await echo.ask(message, timeout=SAFETY)
        with pytest.raises(TypeError, match=words):
            sender.publish("orders.new", message)
        assert await echo.ask("got") == []
        assert (sender.dead_letters.count, receiver.dead_letters.count) == (0, 0)
