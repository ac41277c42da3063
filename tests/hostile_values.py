"""Values whose own methods raise, for the hostile-value sweep (`test_bad_input_hostile`).

Each class records whether any of its methods ran: the runtime must read a checked argument
as its value (`actorkit._exact`) or refuse it, never call into it now or later."""

from __future__ import annotations

from typing import Any


class Hostile(Exception):
    """Raised by every method of the classes below: seen anywhere, the runtime ran one."""


def _raise(self: object, *_: object) -> Any:
    raise Hostile(f"{type(self).__name__}'s own method ran")


class RaisingCompare(int):
    """An int whose comparisons and conversions raise (an IntEnum gone wrong)."""

    __lt__ = __le__ = __gt__ = __ge__ = __eq__ = __ne__ = _raise
    __index__ = __int__ = __float__ = __hash__ = __format__ = __repr__ = _raise


class RaisingFloat(float):
    """A float whose comparisons and conversions raise."""

    __lt__ = __le__ = __gt__ = __ge__ = __eq__ = __ne__ = _raise
    __float__ = __hash__ = __format__ = __repr__ = _raise


class RaisingText(str):
    """A str whose hashing, comparing and formatting raise: the text is fine, the class not."""

    __eq__ = __ne__ = __hash__ = __format__ = __str__ = __repr__ = _raise


class LyingText(str):
    """A str that formats as another text: a path built by formatting would not be its name."""

    def __str__(self) -> str:
        return "other"

    def __format__(self, spec: str) -> str:
        return "other"


class Opaque:
    """Not a number nor a text, with every conversion and comparison raising."""

    __eq__ = __ne__ = __lt__ = __hash__ = __index__ = __int__ = __float__ = _raise

    def __repr__(self) -> str:
        return "Opaque()"


NUMBER_BASE: dict[str, int] = {"port": 0, "count": 1, "int": 1, "seq": 1}
"""The value each hostile number carries, by parameter kind: one every such parameter takes
(a port 0, a count 1, and 1 second where the kind is a duration)."""

TEXT_BASE: dict[str, str] = {
    "name": "ok",
    "path": "/live",
    "host": "127.0.0.1",
    "topic": "ok",
    "pattern": "ok",
    "restart": "permanent",
    "routing": "round_robin",
    "persistence_id": "ok",
    "store_id": "p",
    "key": "k",
    "file": "s.db",
    "synchronous": "FULL",
    "dsn": "postgresql://u@h/db",
}


def hostile_values(kind: str) -> list[object]:
    """The hostile values for a parameter of `kind` (a kind of `sweep_values.BAD`)."""
    if kind in TEXT_BASE:
        base = TEXT_BASE[kind]
        return [RaisingText(base), LyingText(base), Opaque()]
    if kind == "names":
        return [[RaisingText("gpu")], (LyingText("gpu"),), Opaque()]
    if kind.startswith("seconds") or kind in ("instant", "factor", "size", "capacity", "every"):
        # 0.1: each parameter takes or refuses it as it does 1.0 (Backoff's max is one with a
        # floor, its min's default), and a wait it bounds ends soon
        return [RaisingCompare(1), RaisingFloat(0.1), Opaque()]
    if kind in NUMBER_BASE:
        return [RaisingCompare(NUMBER_BASE[kind]), Opaque()]
    return []


def numpy_values(kind: str) -> list[object]:
    """numpy's scalars and arrays, which compare and convert in their own ways: `[]` when
    numpy is not installed."""
    try:
        import numpy as np
    except ImportError:
        return []
    if kind == "names":
        return [np.array(["gpu"]), np.array([]), np.array([["gpu"]])]
    if kind.startswith("seconds") or kind in ("instant", "factor", "every"):
        return [np.float64("nan"), np.float64(-1), np.float32(1), np.array(1.0), np.array([1.0])]
    if kind in ("size", "capacity", "count", "int", "port", "seq"):
        return [np.int64(-1), np.float64(1.0), np.array([1]), np.bool_(True)]
    if kind in TEXT_BASE:
        return [np.str_(TEXT_BASE[kind] + "\x00"), np.bytes_(b"ok"), np.array([TEXT_BASE[kind]])]
    return []
