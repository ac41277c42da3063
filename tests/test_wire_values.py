"""`Codec.encode_value`, the one-slot frame the stores keep: the same bytes as
`encode([wire(value)])` for every value (stored journals and NATS peers read them), and the
same refusals, as a `TypeError`."""

from __future__ import annotations

import dataclasses
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import actorkit
from actorkit._wire import Codec


@actorkit.message("golden.Deposited")
@dataclasses.dataclass(frozen=True)
class Deposited:
    account: str
    amount: int
    note: bytes | None = None


@actorkit.message("wire_values.Anything")
@dataclasses.dataclass
class Anything:
    value: Any
    other: Any = None
    derived: int = dataclasses.field(init=False, default=7)


@actorkit.message("wire_values.Single")
@dataclasses.dataclass
class Single:
    value: Any


@actorkit.message("wire_values.Empty")
@dataclasses.dataclass
class Empty:
    pass


@actorkit.message("w")
@dataclasses.dataclass
class W:
    v: Any


@actorkit.message("wire_values.Labelled")
@attrs.define
class Labelled:
    count: int
    _label: str = "?"


GOLDEN = bytes.fromhex(
    "91c7330192b0676f6c64656e2e4465706f736974656483a76163636f756e74a6616363742d31a6616d6f756e"
    "74ccfaa46e6f7465c40100"
)
"""`Deposited("acct-1", 250, b"\\x00")` as the codec wrote it before `encode_value` existed."""

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**64 - 1),
    st.floats(allow_nan=False),
    st.text(max_size=8),
    st.binary(max_size=8),
)
plain = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(st.text(max_size=4), inner, max_size=3),
        inner.map(Single),
    ),
    max_leaves=8,
)


def slow(codec: Codec, value: object) -> bytes:
    return codec.encode([codec.wire(value)])


def test_an_event_encodes_to_the_bytes_stored_journals_hold() -> None:
    codec = Codec()
    for _ in range(2):  # the first call plans the class, the second takes the fast path
        assert codec.encode_value(Deposited("acct-1", 250, b"\x00")) == GOLDEN
    assert codec.decode(GOLDEN) == [Deposited("acct-1", 250, b"\x00")]


@given(plain, plain)
def test_every_value_encodes_as_the_frame_of_its_wire_form(first: Any, second: Any) -> None:
    codec = Codec()
    for value in (Anything(first, second), Single(first), first, [first, second]):
        for _ in range(2):
            assert codec.encode_value(value) == slow(codec, value)


def test_classes_of_no_one_and_private_fields_take_the_same_path() -> None:
    codec = Codec()
    for value in (Empty(), Labelled(3, "x"), Single(Labelled(1)), Anything((1, "a"), {"k": b""})):
        for _ in range(2):
            assert codec.encode_value(value) == slow(codec, value)
            assert codec.decode(codec.encode_value(value)) == [value]


def test_objects_of_every_size_around_the_headers_limits_encode_alike() -> None:
    """Bodies of 1, 2, 4, 8 and 16 bytes take msgpack's fixed-size headers, 256 and more a
    two-byte length: a one-letter class name reaches the small ones."""
    codec = Codec()
    values: list[Any] = [None, 0, 200, 70_000, 2**40, 1.5]
    values += ["x" * n for n in range(300)] + [b"x" * n for n in range(300)]
    for value in values:
        instances = [W(value), Single(value)]
        if value is None or type(value) is bytes:  # what `note` admits
            instances.append(Deposited("a" * 200, 1, value))
        for instance in instances:
            assert codec.encode_value(instance) == slow(codec, instance), instance


def test_an_int_too_big_for_the_wire_is_a_type_error_at_any_depth() -> None:
    codec = Codec()
    codec.encode_value(Single(1))
    for value in (2**64, Single(2**64), Single([2**64]), Anything(1, -(2**63) - 1)):
        with pytest.raises(TypeError, match="does not fit in 64 bits"):
            codec.encode_value(value)


def test_what_may_not_cross_is_refused_on_the_fast_path_too() -> None:
    codec = Codec()
    codec.encode_value(Single(1))

    class Sub(Single):
        pass

    for value in (Single(object()), Single({1, 2}), Sub(1), Single(Sub(1))):
        with pytest.raises(TypeError):
            codec.encode_value(value)


def test_a_dict_keyed_by_anything_but_a_scalar_is_refused_with_what_to_send() -> None:
    codec = Codec()
    for key in ((1, 2), Deposited("a", 1), frozenset({1}), 1j):
        with pytest.raises(TypeError, match="keys cross as None, bool, int, float, str or bytes"):
            codec.encode_value({key: 1})
        with pytest.raises(TypeError, match="keys cross as"):
            codec.encode_value(Anything({"nested": {key: 1}}))
    assert codec.decode(codec.encode_value({b"k": 1, 2: None, "s": (1,)})) == [
        {b"k": 1, 2: None, "s": (1,)}
    ]


@dataclasses.dataclass
class Unregistered:
    x: int


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ({1, 2}, "cannot encode a builtins.set: values that cross to another system or into a "
         "store are None, bool, int, float, str, bytes, lists, tuples, dicts and "
         "@actorkit.message dataclasses or attrs classes"),
        ({"items": [1, 2, {3}]}, "cannot encode a builtins.set at ['items'][2]: values that"),
        ([(1, {b"k": 1j})], "cannot encode a builtins.complex at [0][1][b'k']: values that"),
        (Anything([1, Single(frozenset())]), "cannot encode a builtins.frozenset at "
         "Anything.value[1].value: values"),
        (Labelled(1, object()), "cannot encode a builtins.object at Labelled._label: values"),  # type: ignore[arg-type]
        ([Unregistered(1)], "tests.test_wire_values.Unregistered at [0] is not a registered "
         "message type: decorate it with @actorkit.message in every process that sends, "
         "receives, stores or recovers it"),
        ({"a": {(1, 2): 3}}, "cannot encode a dict keyed by builtins.tuple at ['a']: keys "
         "cross as None, bool, int, float, str or bytes"),
        (Single(2**64), "an int at Single.value does not fit in 64 bits (msgpack holds -2**63 "
         "to 2**64 - 1): send or store it as a str"),
        (Anything({7: [0, -(2**63) - 1]}), "an int at Anything.value[7][1] does not fit"),
        (2**64, "an int does not fit in 64 bits"),
    ],
)  # fmt: skip
def test_a_refusal_says_what_and_where_in_the_value(value: Any, said: str) -> None:
    codec = Codec()
    with pytest.raises(TypeError) as stored:
        codec.encode_value(value)
    assert str(stored.value).startswith(said)
    if type(value) is not int:  # a plain int is left to `encode`, which sees the whole frame
        with pytest.raises(TypeError) as sent:
            codec.wire(value)
        assert str(sent.value) == str(stored.value)


def test_a_class_replaced_by_a_reloaded_definition_is_no_longer_encoded() -> None:
    def define() -> type:
        @actorkit.message("wire_values.Reloaded")
        @dataclasses.dataclass
        class Reloaded:
            value: int

        return Reloaded

    codec = Codec()
    old = define()
    assert codec.encode_value(old(1)) == slow(codec, old(1))
    new = define()  # the same class defined again: the newest definition wins
    with pytest.raises(TypeError, match="not a registered message type"):
        codec.encode_value(old(1))
    assert codec.decode(codec.encode_value(new(1))) == [new(1)]


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ({2**64: "k"}, "an int dict key does not fit in 64 bits"),
        (Single({"a": {-(2**63) - 1: 1}}), "an int dict key at Single.value['a'] does not fit"),
        ("x\udcff", "a str holds a lone surrogate (such as '\\udcff', which os.fsdecode"),
        (Single(["ok", "x\udcff"]), "a str at Single.value[1] holds a lone surrogate"),
        ((1, {"\udcff": 1}), "a str dict key at [1] holds a lone surrogate"),
        (Deposited("\udcff", 1), "a str at Deposited.account holds a lone surrogate"),
    ],
)
def test_keys_and_text_msgpack_cannot_carry_are_a_type_error_that_says_where(
    value: Any, said: str
) -> None:
    """A dict keyed by an int past 64 bits raised StopIteration; text with a lone surrogate
    raised UnicodeEncodeError, not the TypeError a value that may not cross is, and did not
    say where it was."""
    codec = Codec()
    for _ in range(2):  # planned, then on the fast path
        with pytest.raises(TypeError) as stored:
            codec.encode_value(value)
        assert str(stored.value).startswith(said)
    with pytest.raises(TypeError, match=r"64 bits|lone surrogate"):  # where: only if wired
        codec.encode([0, codec.wire(value)])


def _holding_itself() -> list[Any]:
    value: list[Any] = [1]
    value.append({"again": value})
    return value


def _nested(depth: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize(
    "value",
    [_holding_itself(), Single(_holding_itself()), _nested(100_000)],
    ids=["holds itself", "in a message", "nested 100000 deep"],
)
def test_a_value_that_holds_itself_or_nests_too_deep_is_a_type_error(value: Any) -> None:
    """It raised RecursionError, which a store's `persist` and `save` did not report as a
    value that cannot be stored."""
    codec = Codec()
    for attempt in (codec.wire, codec.encode_value):
        with pytest.raises(TypeError, match="holds itself or nests deeper than"):
            attempt(value)
