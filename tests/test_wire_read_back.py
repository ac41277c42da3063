"""A store's read-back (`Codec.encode_value`): what recovery could not rebuild is refused
before it is written, and the table of what plain annotations admit judges as
`msgspec.convert` does."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any, Literal, Optional, Union

import attrs
import msgspec
import pytest

import actorkit
from actorkit._wire import Codec
from actorkit._wire_admits import admitted


@actorkit.message("wire_read_back.Nested")
@dataclasses.dataclass
class Nested:
    value: Any


@actorkit.message("wire_read_back.Labelled")
@attrs.define
class Labelled:
    count: int
    _label: str = "?"


@actorkit.message("wire_values.Plain")
@dataclasses.dataclass
class Plain:
    count: int
    ratio: float
    name: str | None
    flag: bool = False


@actorkit.message("wire_values.Checked")
@dataclasses.dataclass
class Checked:
    count: int

    def __post_init__(self) -> None:
        if self.count < 0:
            raise ValueError("count must be >= 0")


def _broken() -> Checked:
    """Valid when made, changed after: its `__post_init__` refuses it when rebuilt."""
    checked = Checked(1)
    checked.count = -1
    return checked


@actorkit.message("wire_values.Narrow")
@dataclasses.dataclass
class Narrow:
    kind: Literal["a", "b"]


@pytest.mark.parametrize(
    "value",
    [
        Plain(True, 1.0, None),  # a bool in an int field
        Plain(1, "1.0", None),  # type: ignore[arg-type]
        Plain(1, 1.0, b"x"),  # type: ignore[arg-type]
        Plain(1, 1.0, "x", 1),  # type: ignore[arg-type]
        _broken(),  # its `__post_init__` refuses it on the way back
        Narrow("c"),  # type: ignore[arg-type]
        Nested(Plain(True, 1.0, None)),  # nested: decoded back whole
        Labelled(True),  # an attrs class: converted
    ],
    ids=repr,
)
def test_a_value_that_would_not_be_read_back_is_refused_on_every_path(value: object) -> None:
    """A store writes what it can decode, or every recovery after would fail on it: by the
    table of what the annotations admit, by `msgspec.convert`, or by decoding it whole."""
    codec = Codec()
    for _ in range(2):  # the first call plans the class, the second takes the fast path
        with pytest.raises(TypeError, match="would not be read back"):
            codec.encode_value(value)


def test_what_the_annotations_admit_is_what_msgspec_converts() -> None:
    """The table of `_wire_admits` against `msgspec.convert` itself, for every scalar in
    every plain annotation it knows."""
    values = [None, True, 0, 2**63, 1.5, "s", b"b"]
    annotations: list[Any] = [int, float, str, bytes, bool, None, Any, object]
    annotations += [int | None, float | str, bool | int]
    annotations += [Optional[bytes], Union[int, float]]  # noqa: UP007, UP045 (the typing spellings)
    for annotation in annotations:
        cls = dataclasses.make_dataclass("Probe", [("x", annotation)])
        table = admitted(cls, ("x",))
        assert table is not None, annotation
        for value in values:
            try:
                msgspec.convert({"x": value}, cls)
                converts = True
            except msgspec.ValidationError:
                converts = False
            assert (type(value) in table[0]) == converts, (annotation, value)


def test_classes_the_table_cannot_judge_are_converted() -> None:
    assert admitted(Checked, ("count",)) is None  # code of its own runs in the rebuild
    assert admitted(Narrow, ("kind",)) is None
    assert admitted(Labelled, ("count", "_label")) is None  # attrs: validators, converters
    constrained = dataclasses.make_dataclass(
        "Constrained", [("x", Annotated[int, msgspec.Meta(ge=0)])]
    )
    assert admitted(constrained, ("x",)) is None
    mixed = dataclasses.make_dataclass("Mixed", [("x", int | list[int])])
    assert admitted(mixed, ("x",)) is None  # a union with a container in it
    assert admitted(Plain, ("count", "ratio", "name", "flag")) is not None
