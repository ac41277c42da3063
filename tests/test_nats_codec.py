"""The wire codec on its own, its message classes: the rules of registering one and naming it,
fields computed after `__init__`, what an unregistered class is told, and the classes and enum
members no receiver could rebuild, refused at the first send or write."""

from __future__ import annotations

import dataclasses
import enum
from typing import TYPE_CHECKING, Any

import attrs
import pytest

import actorkit
from actorkit._registry import class_named
from actorkit._wire import Codec

from .nats_codec_support import Point, Shape, Tagged, roundtrip

if TYPE_CHECKING:
    from decimal import Decimal


@actorkit.message(name="codec.Doubled")
@dataclasses.dataclass
class Doubled:
    n: int
    twice: int = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        self.twice = self.n * 2


@actorkit.message(name="codec.AttrsDoubled")
@attrs.define
class AttrsDoubled:
    n: int
    twice: int = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self.twice = self.n * 2


def test_fields_computed_after_init_cross() -> None:
    """A field set in `__post_init__`, with no default, was left out of the message while
    `msgspec.convert` requires it: every receiver rejected the message as `bad_payload`."""
    assert roundtrip(Doubled(5)) == Doubled(5)
    assert roundtrip(AttrsDoubled(5)) == AttrsDoubled(5)
    assert Codec().encode_value(Doubled(5)) == Codec().encode([Codec().wire(Doubled(5))])


def test_registration_rules() -> None:
    assert class_named("Point") is Point
    assert class_named("codec.Shape") is Shape
    with pytest.raises(TypeError, match="dataclasses and attrs classes"):
        actorkit.message(type("Plain", (), {}))
    with pytest.raises(TypeError, match=r"@actorkit.message\('name'\)"):
        actorkit.message(42)  # type: ignore[call-overload]
    with pytest.raises(ValueError, match="a message type name must be a non-empty str"):
        actorkit.message("")
    with pytest.raises(ValueError, match="already registered"):

        @actorkit.message("codec.Shape")
        @dataclasses.dataclass
        class Impostor:
            x: int

    with pytest.raises(TypeError, match=r"InitVar fields \(scale\) would not cross"):

        @actorkit.message
        @dataclasses.dataclass
        class Scaled:
            x: int
            scale: dataclasses.InitVar[int] = 1

    with pytest.raises(ValueError, match="one wire name"):
        actorkit.message("another.Name")(Point)
    assert actorkit.message(Point) is Point  # registering again is harmless


def test_a_wire_name_utf8_cannot_encode_is_refused_when_the_class_is_registered() -> None:
    """Every frame carries the name as UTF-8: refused at the class statement, not at each send."""
    with pytest.raises(ValueError, match=r"^message type name 'codec\.\\ud800' holds a lone"):

        @actorkit.message("codec.\ud800")
        @dataclasses.dataclass
        class Lone:
            x: int

    with pytest.raises(ValueError, match="give it a name of text UTF-8 can encode"):
        actorkit.message(Point, name="codec.Point\udcff")
    assert class_named("codec.\ud800") is class_named("codec.Point\udcff") is None


def test_a_name_given_with_the_class_is_checked_as_one_given_to_the_decorator() -> None:
    """`actorkit.message(Point, name=...)`: a name that is no str, or an empty one, is refused
    as `@actorkit.message(...)` refuses it, not an AttributeError nor the class's own name."""
    with pytest.raises(TypeError, match=r"use @actorkit.message or @actorkit.message\('name'\)"):
        actorkit.message(Point, name=5)  # type: ignore[call-overload]
    with pytest.raises(ValueError, match="a message type name must be a non-empty str"):
        actorkit.message(Point, name="")


def test_unregistered_dataclasses_are_refused_with_the_fix() -> None:
    @dataclasses.dataclass
    class Local:
        x: int

    with pytest.raises(TypeError, match="Local is not a registered message type: decorate it"):
        Codec().wire(Local(1))


@actorkit.message("codec.Priced")
@dataclasses.dataclass
class Priced:
    price: Decimal | None = None  # a name imported for type checking only


@actorkit.message("codec.Either")
@dataclasses.dataclass
class Either:
    item: Point | Tagged  # msgspec rebuilds no union of two classes


@actorkit.message("codec.Wrapped")
@dataclasses.dataclass
class Wrapped:
    inner: Either


@pytest.mark.parametrize(
    ("value", "said"),
    [
        (Priced(), r"tests\.test_nats_codec\.Priced cannot cross: .*NameError: name 'Decimal'"),
        (Either(Point(1, 2)), r"Either cannot cross: .*Type unions may not contain more than one"),
        ([Wrapped(Either(Point(1, 2)))], r"tests\.test_nats_codec\.Wrapped cannot cross"),
    ],
)
def test_a_class_no_receiver_could_rebuild_is_refused_at_the_first_send_or_write(
    value: Any, said: str
) -> None:
    """It was sent and stored without a word, then rejected by every receiver as
    `bad_payload`, and a journal holding it failed every recovery."""
    codec = Codec()
    for _ in range(2):
        with pytest.raises(TypeError, match=said):
            codec.encode_value(value)
        with pytest.raises(TypeError, match=said):
            codec.wire(value)


class Colour(enum.Enum):
    RED = "red"


class Size(enum.IntEnum):
    SMALL = 1


class Mood(enum.StrEnum):
    GLAD = "glad"


@pytest.mark.parametrize("member", [Colour.RED, Size.SMALL, Mood.GLAD], ids=repr)
def test_enum_members_do_not_cross(member: enum.Enum) -> None:
    """As distributed.md's rolling deploys say, an int or str enum too: a `Literal` of the
    values crosses instead."""
    with pytest.raises(TypeError, match=f"cannot encode a {__name__}.{type(member).__qualname__}"):
        Codec().wire(Point(1, member))  # type: ignore[arg-type]


def test_the_decorator_called_without_a_name_registers_the_qualified_class_name() -> None:
    """`@actorkit.message()`, parentheses and nothing in them, is `@actorkit.message`."""

    @actorkit.message()
    @dataclasses.dataclass
    class Bare:
        x: int

    assert class_named(Bare.__qualname__) is Bare
    with pytest.raises(TypeError, match=r"^@actorkit\.message decorates classes, got 42$"):
        actorkit.message()(42)  # type: ignore[type-var]
