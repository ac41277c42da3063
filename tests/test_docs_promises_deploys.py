"""Promises of docs/distributed.md's "What crosses the wire" and "Rolling deploys" that no
other test pinned: a class used as a field is refused as itself (the error naming it, not the
message that held it), a `__post_init__` raising `ValueError` or `TypeError` is a refusal of
the whole (`field` None) that the asker gets back as `IncompatibleMessage`, and one raising
anything else is no version mismatch but a `bad_payload` (a `CancelledError` too), but for
an exit, which the codec lets through."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import msgspec
import pytest

import actorkit
from actorkit._nats._frames import error_frame, rebuild_error
from actorkit._nats._refusals import refused_request
from actorkit._wire import BadPayload, Codec, Incompatible
from actorkit.nats import IncompatibleMessage


@actorkit.message("deploys.Line")
@dataclasses.dataclass(frozen=True)
class Line:
    sku: str
    qty: int


@actorkit.message("deploys.Order")
@dataclasses.dataclass(frozen=True)
class Order:
    line: Line
    note: str = ""


@actorkit.message("deploys.Checked")
@dataclasses.dataclass(frozen=True)
class Checked:
    qty: int

    def __post_init__(self) -> None:
        if self.qty < 0:
            raise ValueError("qty must not be negative")


@actorkit.message("deploys.Typed")
@dataclasses.dataclass(frozen=True)
class Typed:
    qty: int

    def __post_init__(self) -> None:
        if self.qty < 0:
            raise TypeError("qty must not be negative")


@actorkit.message("deploys.Broken")
@dataclasses.dataclass(frozen=True)
class Broken:
    qty: int

    def __post_init__(self) -> None:
        if self.qty < 0:
            raise RAISED[self.qty]


RAISED: dict[int, BaseException] = {
    -1: RuntimeError("qty must not be negative"),
    -2: asyncio.CancelledError("qty must not be negative"),
    -3: SystemExit(3),
    -4: KeyboardInterrupt(),
}


def _ext(name: str, fields: dict[str, Any]) -> msgspec.msgpack.Ext:
    return msgspec.msgpack.Ext(1, msgspec.msgpack.encode([name, fields]))


def _frame(name: str, fields: dict[str, Any]) -> bytes:
    """What a process of another version sends: the name and the fields by name."""
    return msgspec.msgpack.encode([_ext(name, fields)])


@pytest.mark.parametrize(
    ("line", "field"),
    [({"sku": "a"}, "qty"), ({"sku": "a", "qty": "2"}, "qty")],
    ids=["missing", "another type"],
)
def test_a_nested_class_is_refused_as_itself_naming_its_field(
    line: dict[str, Any], field: str
) -> None:
    with pytest.raises(Incompatible) as refused:
        Codec().decode(_frame("deploys.Order", {"line": _ext("deploys.Line", line)}))
    assert (refused.value.type_name, refused.value.field) == ("deploys.Line", field)
    said = str(refused_request("here", refused.value, "/orders"))
    assert said.startswith("here refused a deploys.Line for /orders: the class deploys.Line")
    assert "deploys.Order" not in said


@pytest.mark.parametrize("name", ["deploys.Checked", "deploys.Typed"])
def test_a_post_init_refusing_the_whole_is_incompatible_with_no_field(name: str) -> None:
    assert Codec().decode(_frame(name, {"qty": 1}))[0].qty == 1  # what it refuses, only
    with pytest.raises(Incompatible) as refused:
        Codec().decode(_frame(name, {"qty": -1}))
    assert (refused.value.type_name, refused.value.field) == (name, None)
    sent = refused_request("here", refused.value, "/orders")
    rebuilt = rebuild_error(*error_frame(sent)[1:])
    assert type(rebuilt) is IncompatibleMessage and isinstance(rebuilt, TypeError)
    assert (rebuilt.type_name, rebuilt.field) == (name, None)
    assert "qty must not be negative" in str(rebuilt)
    assert str(rebuilt).endswith("the message was not handled")


@pytest.mark.parametrize("qty", [-1, -2], ids=["RuntimeError", "CancelledError"])
def test_a_post_init_raising_anything_else_is_a_bad_payload(qty: int) -> None:
    said = f"{type(RAISED[qty]).__name__}: qty must not be negative"
    with pytest.raises(BadPayload, match=said) as refused:
        Codec().decode(_frame("deploys.Broken", {"qty": qty}))
    assert not isinstance(refused.value, Incompatible)


@pytest.mark.parametrize("qty", [-3, -4], ids=["SystemExit", "KeyboardInterrupt"])
def test_an_exit_from_a_post_init_is_let_through(qty: int) -> None:
    with pytest.raises(type(RAISED[qty])) as exited:
        Codec().decode(_frame("deploys.Broken", {"qty": qty}))
    assert exited.value is RAISED[qty]
