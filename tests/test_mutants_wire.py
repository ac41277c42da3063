"""The codec's corners that a mutation review found unguarded: the one-field fast path's
read-back, a `__post_init__` failing with its own error, an annotation that cannot be hashed,
the exact words a malformed frame is refused with, and the fix an unregistered attrs class
is refused with."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

import attrs
import msgspec
import pytest

import actorkit
from actorkit._wire import _EXT_OBJECT, _EXT_TUPLE, BadPayload, Codec
from actorkit._wire_admits import admitted


@actorkit.message("mutants_wire.Count")
@dataclasses.dataclass
class Count:
    count: int


@actorkit.message("mutants_wire.Looked")
@dataclasses.dataclass
class Looked:
    key: str

    def __post_init__(self) -> None:
        if not self.key:
            raise LookupError("key must not be empty")


@actorkit.message("mutants_wire.Timed")
@dataclasses.dataclass
class Timed:
    seconds: Annotated[int, {"unit": "s"}]  # metadata no set can hold


def test_a_one_field_class_refuses_what_its_annotation_refuses_on_the_fast_path() -> None:
    """The one-field fast path looks its value up in what the annotation admits, not in every
    scalar: a `bool` in an `int` field would fail every recovery."""
    codec = Codec()
    codec.encode_value(Count(1))  # planned: the next calls take the fast path
    for _ in range(2):
        with pytest.raises(TypeError, match="would not be read back"):
            codec.encode_value(Count(True))
    assert codec.decode(codec.encode_value(Count(2))) == [Count(2)]


def test_a_post_init_failing_with_its_own_error_is_a_type_error_before_the_write() -> None:
    """msgspec passes on what `__post_init__` raises unless it is a TypeError or ValueError:
    that too means the value would not be read back."""
    broken = Looked("k")
    broken.key = ""
    codec = Codec()
    for _ in range(2):
        with pytest.raises(TypeError, match=r"would not be read back.*key must not be empty"):
            codec.encode_value(broken)


def test_an_annotation_no_set_can_hold_is_converted_not_looked_up() -> None:
    assert admitted(Timed, ("seconds",)) is None
    codec = Codec()
    for _ in range(2):
        assert codec.decode(codec.encode_value(Timed(3))) == [Timed(3)]
        with pytest.raises(TypeError, match="would not be read back"):
            codec.encode_value(Timed("3"))  # type: ignore[arg-type]


def frame(code: int, inner: Any) -> bytes:
    return msgspec.msgpack.encode([msgspec.msgpack.Ext(code, msgspec.msgpack.encode(inner))])


@pytest.mark.parametrize(
    "inner",
    [
        ["mutants_wire.Count"],
        ["mutants_wire.Count", {"count": 1}, "extra"],
        [5, {"count": 1}],
        [["mutants_wire.Count"], {"count": 1}],
        ["mutants_wire.Count", [1]],
        "mutants_wire.Count",
    ],
    ids=repr,
)
def test_an_object_not_shaped_name_then_fields_is_refused_as_malformed(inner: Any) -> None:
    with pytest.raises(BadPayload) as refused:
        Codec().decode(frame(_EXT_OBJECT, inner))
    assert str(refused.value) == "malformed object"


def test_the_codec_s_own_refusal_is_passed_on_as_it_is() -> None:
    """Not wrapped again by the catch-all for msgspec's errors (`BadPayload: malformed ...`)."""
    with pytest.raises(BadPayload) as refused:
        Codec().decode(frame(_EXT_TUPLE, {"not": "a list"}))
    assert str(refused.value) == "malformed tuple"


def test_an_unregistered_attrs_class_is_refused_with_the_fix_as_a_dataclass_is() -> None:
    @attrs.define
    class Local:
        x: int

    codec = Codec()
    for attempt in (codec.wire, codec.encode_value):
        with pytest.raises(TypeError, match=r"Local at \[0\] is not a registered message type"):
            attempt([Local(1)])
