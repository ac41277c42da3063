"""The wire codec on its own: what may cross, what is refused at send time, and what a
hostile payload can (not) make the receiver do."""

from __future__ import annotations

import copy
import dataclasses
import enum
import pickle
from typing import TYPE_CHECKING, Any

import attrs
import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

import actorkit
from actorkit._nats._frames import OK, error_frame, rebuild_error
from actorkit._registry import class_named
from actorkit._wire import BadPayload, Codec
from actorkit.nats import NatsTransport, RemoteError, RemoteRef

if TYPE_CHECKING:
    from decimal import Decimal

built: list[str] = []


@actorkit.message
@dataclasses.dataclass(frozen=True)
class Point:
    x: int
    y: int


@actorkit.message("codec.Shape")
@attrs.frozen
class Shape:
    points: list[Point]
    _label: str = "?"

    def __attrs_post_init__(self) -> None:
        built.append(self._label)


@actorkit.message(name="codec.Tagged")
@dataclasses.dataclass
class Tagged:
    tags: tuple[str, ...]
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)
    derived: int = dataclasses.field(init=False, default=0)


def roundtrip(value: Any) -> Any:
    codec = Codec()
    return codec.decode(codec.encode([OK, codec.wire(value)]))[1]


def test_plain_data_and_registered_classes_roundtrip() -> None:
    value = {
        "none": None,
        "flags": [True, False],
        "numbers": [0, -1, 2**63 - 1, 1.5],
        "text": "héllo",
        "raw": b"\x00\xff",
        "tuple": (1, (2, "three")),
        "shape": Shape([Point(1, 2), Point(3, 4)], "square"),
        "tagged": Tagged(("a", "b"), {"k": [Point(0, 0)]}),
        7: "int keys work",
    }
    assert roundtrip(value) == value
    assert type(roundtrip((1, 2))) is tuple


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


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text() | st.binary(),
        lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner) | st.tuples(inner),
        max_leaves=20,
    )
)
def test_any_plain_value_roundtrips(value: Any) -> None:
    assert roundtrip(value) == value


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


@pytest.mark.parametrize(
    ("value", "complaint"),
    [
        (object(), "cannot encode a builtins.object"),
        ({1, 2}, "cannot encode a builtins.set"),
        ([Point(1, 2), frozenset()], "builtins.frozenset"),
        (2**64, "64 bits"),
        (Point(2**64, 0), "64 bits"),  # inside a registered class: encoded by `wire` itself
        ([(1, -(2**63) - 1)], "64 bits"),  # inside a tuple, likewise
    ],
)
def test_what_may_not_cross_is_refused_naming_the_type(value: Any, complaint: str) -> None:
    codec = Codec()
    with pytest.raises(TypeError, match=complaint):
        codec.encode([OK, codec.wire(value)])


def test_unregistered_dataclasses_are_refused_with_the_fix() -> None:
    @dataclasses.dataclass
    class Local:
        x: int

    with pytest.raises(TypeError, match="Local is not a registered message type: decorate it"):
        Codec().wire(Local(1))


def ext(code: int, payload: Any) -> msgspec.msgpack.Ext:
    return msgspec.msgpack.Ext(code, msgspec.msgpack.encode(payload))


@pytest.mark.parametrize(
    ("payload", "complaint"),
    [
        (b"", "DecodeError"),
        (b"\xc1", "DecodeError"),
        (msgspec.msgpack.encode(5), "non-empty array"),
        (msgspec.msgpack.encode([ext(1, ["os.system", {"command": "rm"}])]), "unknown message"),
        (msgspec.msgpack.encode([ext(1, ["Point", {"x": "1", "y": 2}])]), "Expected `int`"),
        (msgspec.msgpack.encode([ext(1, ["Point", {"x": 1}])]), "missing required field"),
        (msgspec.msgpack.encode([ext(1, "Point")]), "malformed object"),
        (msgspec.msgpack.encode([ext(2, {"not": "a list"})]), "malformed tuple"),
        (msgspec.msgpack.encode([ext(99, [])]), "unknown extension"),
        (b"\x91" * 100_000 + b"\xc0", "Error"),  # nesting far past any recursion limit
    ],
)
def test_hostile_payloads_raise_bad_payload_and_build_nothing(
    payload: bytes, complaint: str
) -> None:
    built.clear()
    with pytest.raises(BadPayload, match=complaint):
        Codec().decode(payload)
    assert built == []


def test_exceptions_are_rebuilt_by_name_from_the_allow_list_only() -> None:
    def cross(error: BaseException) -> BaseException:
        frame = roundtrip(error_frame(error))
        return rebuild_error(*frame[1:])

    key_error = cross(KeyError("k"))
    assert type(key_error) is KeyError and key_error.args == ("k",)
    assert type(cross(actorkit.MailboxFull("full"))) is actorkit.MailboxFull
    assert type(cross(actorkit.NotDelivered("not handled"))) is actorkit.NotDelivered
    nested = cross(RemoteError("x.Y", "inner"))
    assert type(nested) is RemoteError and (nested.type_name, nested.message) == ("x.Y", "inner")
    system_exit = cross(SystemExit(3))
    assert type(system_exit) is RemoteError and system_exit.type_name == "builtins.SystemExit"
    odd = cross(ValueError(object()))
    assert type(odd) is ValueError and "object" in odd.args[0]
    assert type(rebuild_error("builtins.UnicodeDecodeError", ["x"], "t")) is RemoteError
    with pytest.raises(BadPayload):
        rebuild_error(1, [], "t")


def test_a_ref_in_a_message_is_refused_as_pickle_refuses_it_saying_how_to_cross() -> None:
    remote = RemoteRef(NatsTransport(["nats://127.0.0.1:4222"]), "s", "/cart", "shop:/cart")
    assert copy.copy(remote) is remote and copy.deepcopy([remote])[0] is remote
    with pytest.raises(TypeError, match=r"cannot pickle <RemoteRef shop:/cart>: actor refs"):
        pickle.dumps(remote)
    with pytest.raises(
        TypeError,
        match=r"cannot encode <RemoteRef shop:/cart> at \['reply_to'\]: actor refs cannot cross "
        r"to another process or into a store: send the actor's path instead",
    ):
        Codec().wire({"reply_to": remote})


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


def _object(name: str, fields: dict[str, Any]) -> bytes:
    encode = msgspec.msgpack.encode
    return encode([msgspec.msgpack.Ext(1, encode([name, fields]))])


@pytest.mark.parametrize(
    ("name", "fields", "field"),
    [
        ("Point", {"x": 1}, "y"),  # missing
        ("Point", {"x": 1, "y": "2"}, "y"),  # of another type
        ("codec.Tagged", {"tags": ["a", 2]}, "tags[1]"),  # deeper in a field
        ("codec.Nobody", {}, None),  # a name no class here is registered under
    ],
)
def test_an_object_its_class_here_refuses_is_incompatible_naming_the_field(
    name: str, fields: dict[str, Any], field: str | None
) -> None:
    """What a process of another version of the class sends: told apart from garbage, with
    the field, so the transport can say so; its error rebuilt on the asker's side too."""
    from actorkit._nats._refusals import refused_request
    from actorkit._wire import Incompatible
    from actorkit.nats import IncompatibleMessage

    with pytest.raises(Incompatible) as refused:
        Codec().decode(_object(name, fields))
    assert (refused.value.type_name, refused.value.field) == (name, field)
    sent = refused_request("here", refused.value, "/k")
    rebuilt = rebuild_error(*error_frame(sent)[1:])
    assert type(rebuilt) is IncompatibleMessage and isinstance(rebuilt, TypeError)
    assert (rebuilt.type_name, rebuilt.field, str(rebuilt)) == (name, field, str(sent))
    assert "another version" in str(rebuilt)


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
