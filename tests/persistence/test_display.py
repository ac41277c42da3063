"""How the journal command shows stored bytes it cannot trust: a wall-clock field that is no
time, extensions not shaped as the codec writes them, frames that are no stored value. Each
is shown as what it is, never raised and never dressed up as something else."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from actorkit._wire import _EXT_OBJECT, _EXT_TUPLE
from actorkit.persistence._display import show

pack = msgspec.msgpack.encode


def ext(code: int, inner: Any) -> msgspec.msgpack.Ext:
    return msgspec.msgpack.Ext(code, pack(inner))


def change(time: object) -> bytes:
    return pack([ext(_EXT_OBJECT, ["actorkit.AgentChange", {"time": time}])])


@pytest.mark.parametrize(
    ("time", "shown"),
    [
        (0, "1970-01-01T00:00:00.000000+00:00"),  # an int is a time too
        (1.5, "1970-01-01T00:00:01.500000+00:00"),
        (True, "True"),  # a bool is no time
        (1e20, "1e+20"),  # past the platform's time_t
        (2**63 - 1, str(2**63 - 1)),
        (float("nan"), "nan"),
    ],
)
def test_a_wall_clock_field_is_a_date_only_when_it_can_be_one(time: object, shown: str) -> None:
    assert show(change(time)) == f"actorkit.AgentChange(time={shown})"


@pytest.mark.parametrize(
    ("inner", "shown"),
    [
        (ext(_EXT_TUPLE, 5), f"<extension {_EXT_TUPLE}>(value=5)"),
        (ext(_EXT_OBJECT, ["N", {}, 3]), f"<extension {_EXT_OBJECT}>(value=['N', {{}}, 3])"),
        (ext(_EXT_OBJECT, [1, {}]), f"<extension {_EXT_OBJECT}>(value=[1, {{}}])"),
        (ext(_EXT_OBJECT, ["N", [1]]), f"<extension {_EXT_OBJECT}>(value=['N', [1]])"),
        (
            ext(_EXT_OBJECT, ext(_EXT_TUPLE, ["N", {}])),
            f"<extension {_EXT_OBJECT}>(value=('N', {{}}))",
        ),
    ],
)
def test_an_extension_not_shaped_as_the_codec_writes_it_shows_as_an_extension(
    inner: msgspec.msgpack.Ext, shown: str
) -> None:
    assert show(pack([inner])) == shown


def test_frames_that_are_no_stored_value() -> None:
    assert show(pack("x")) == "<not a stored value: 'x'>"  # of length 1, but no list
    deep = b"\x91" * 200_000 + b"\x01"
    assert show(deep).startswith("<undecodable 200001 bytes: maximum recursion depth")


@pytest.mark.parametrize(
    ("name", "fields", "shown"),
    [
        ("bank\nDeposited", {"amount": 5}, "'bank\\nDeposited'(amount=5)"),
        ("bank.Deposited", {"a\tb": 5, "c\rd": 6}, "bank.Deposited('a\\tb'=5, 'c\\rd'=6)"),
        ("Konto Überweisung", {"Betrag": 5, 7: 8}, "Konto Überweisung(Betrag=5, 7=8)"),
    ],
)
def test_a_name_or_field_of_another_program_s_row_stays_on_its_line(
    name: str, fields: dict[Any, Any], shown: str
) -> None:
    """The command prints one event a line, its columns tab-separated: a registered name or a
    field name holding a line break or a tab (one `@actorkit.message` takes, or another
    program's row) is shown quoted, as values are, not raw across lines and columns."""
    assert show(pack([ext(_EXT_OBJECT, [name, fields])])) == shown


def test_objects_nested_deeper_than_their_text_can_go_still_show_as_one_line() -> None:
    """Each level of registered objects costs the decoder's extension hook fewer frames than
    their `repr`: from some depth on (a few hundred, in another program's row or a linked
    list of events) a payload decodes and its text overflows the stack. The command prints
    a line for it at every depth, as for a payload that does not decode, not a traceback."""
    value: Any = 1
    for depth in range(1, 1200):
        value = ext(_EXT_OBJECT, ["N", {"f": value}])
        if depth % 10 == 0:
            shown = show(pack([value]))
            assert "\n" not in shown
            assert shown.startswith(("N(f=N(f=", "<undecodable ", "<nested too deep to show: ")), (
                shown[:60]
            )
