"""The check for an int a `float` field would round (`_wire_kept.refuse_rounded`) costs the
common event nothing past a range test: an int within ±2**53, which a float always holds,
makes no call. A call per such field, each formatting the field's name, made persisting an
event of three `float` fields holding ints twice as slow as one holding floats."""

from __future__ import annotations

import dataclasses

import pytest

import actorkit
from actorkit import _wire, _wire_kept
from actorkit._wire import Codec


@actorkit.message("wire_float_int_cost.Point")
@dataclasses.dataclass(frozen=True)
class Point:
    x: float
    y: float
    z: float | None


def test_an_int_a_float_holds_exactly_makes_no_call(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    checked = _wire_kept.refuse_rounded

    def counted(*args: object) -> None:
        calls.append(args)
        checked(*args)  # type: ignore[arg-type]

    codec = Codec()
    codec.encode_value(Point(1.5, 2.5, None))  # the first encode of a class makes its plan
    monkeypatch.setattr(_wire, "refuse_rounded", counted)
    codec.encode_value(Point(1, -(2**53), 2**53))
    assert calls == []
    codec.encode_value(Point(1.5, 2**53 + 2, None))  # past the range, yet exact: one call
    assert len(calls) == 1
    with pytest.raises(TypeError, match=r"Point\.z is the int 9007199254740993"):
        codec.encode_value(Point(1, 2, 2**53 + 1))
