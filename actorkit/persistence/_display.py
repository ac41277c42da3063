"""Stored values shown to people, without the classes that wrote them: a lenient reading of
the codec's msgpack for display only. A registered object shows as its registered name and
fields, `Deposited(amount=5)`, whether or not this process can import it; nothing is built
from the bytes but plain data. The codec's own decoder (`actorkit._wire`) stays strict."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec

from .._wire import _EXT_OBJECT, _EXT_TUPLE

WALL_CLOCK_FIELDS = {"actorkit.AgentChange": frozenset({"time"})}
"""actorkit's own stored types whose fields are wall-clock times: shown as dates."""


def stamp(time: float) -> str:
    """A wall-clock time (seconds since the epoch) as UTC ISO 8601, to the microsecond; one
    that no date holds (past year 9999 or before year 1: a reminder may be due at any finite
    time, and another program may write any row) as its seconds, so that printing it cannot
    fail the command."""
    try:
        return _iso(time)
    except (OverflowError, OSError, ValueError):  # out of the platform's range
        return f"{time!r} s since the epoch"


def _iso(time: float) -> str:
    return datetime.fromtimestamp(time, UTC).isoformat(timespec="microseconds")


class Shown:
    """A stored object as a name and its fields."""

    __slots__ = ("fields", "name")

    def __init__(self, name: str, fields: dict[Any, Any]) -> None:
        self.name = name
        self.fields = fields

    def __repr__(self) -> str:
        dates = WALL_CLOCK_FIELDS.get(self.name, frozenset())
        inner = ", ".join(
            f"{_label(key)}={_date(value) if key in dates else repr(value)}"
            for key, value in self.fields.items()
        )
        return f"{_label(self.name)}({inner})"


def _label(name: object) -> str:
    """A type or field name as it reads, unless that would break the command's one line per
    event and its tab-separated columns (a line break or tab that a registered name, or
    another program's row, may hold): then quoted, as values are."""
    return name if isinstance(name, str) and name.isprintable() else repr(name)


def _date(value: object) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return _iso(value)
        except (OverflowError, OSError, ValueError):  # out of the platform's range
            pass
    return repr(value)


def _ext(code: int, data: memoryview) -> Any:
    inner = _decoder.decode(data)
    if code == _EXT_TUPLE and type(inner) is list:
        return tuple(inner)
    if code == _EXT_OBJECT and type(inner) is list and len(inner) == 2:
        name, fields = inner
        if type(name) is str and type(fields) is dict:
            return Shown(name, fields)
    return Shown(f"<extension {code}>", {"value": inner})


_decoder: msgspec.msgpack.Decoder[Any] = msgspec.msgpack.Decoder(ext_hook=_ext)


def show(payload: bytes) -> str:
    """One stored value as text; a payload that is not msgpack says so instead."""
    try:
        frame = _decoder.decode(payload)
    except Exception as error:  # msgspec's errors, a RecursionError: shown, never raised
        return f"<undecodable {len(payload)} bytes: {error}>"
    try:
        if type(frame) is list and len(frame) == 1:
            return repr(frame[0])
        return f"<not a stored value: {frame!r}>"
    except RecursionError:  # a level of objects takes more frames to show than to decode
        return f"<nested too deep to show: {len(payload)} bytes>"
