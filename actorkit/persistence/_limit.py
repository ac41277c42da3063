"""A store's `max_payload`, checked where it is set: a value no comparison with a size can use
(a str, a float) or one that refuses every write or more than SQLite keeps would otherwise
pass unnoticed and fail the writes that come later, inside an actor's `persist`, far from the
line that set it."""

from __future__ import annotations

from typing import Any

from .._integers import integer

MAX_PAYLOAD = 10**9 - 4096
"""Bytes of encoded values one write may carry, all of an append's events together: SQLite
refuses a row over 1,000,000,000 bytes (its default SQLITE_MAX_LENGTH), and 4 KiB are left
for the ids and numbers beside the value. PostgreSQL's limits are higher: 1 GiB for a bytea,
for an array of them and for one statement's parameters."""

_RANGE = (
    f"max_payload must be an int from 1 to {MAX_PAYLOAD:,} (bytes one write may carry; "
    "SQLite keeps at most 1,000,000,000 a row, so no store takes more: set it lower to refuse "
    "smaller values)"
)


def check_max_payload(value: object) -> int:
    """`value` as the plain int a store compares sizes with: any integer (`index_int`)."""
    number = integer(value, f"{_RANGE}, got")
    if not 1 <= number <= MAX_PAYLOAD:
        raise ValueError(f"{_RANGE}, got {number}")
    return number


class PayloadLimit:
    """`StoreBase.max_payload`: the class's default on the class, a store's own value, checked
    when set, on the store. A data descriptor, so that setting it on a store always runs the
    check; a subclass that sets it in its body gets a checked one in its place
    (`StoreBase.__init_subclass__`)."""

    __slots__ = ("default",)

    def __init__(self, default: int = MAX_PAYLOAD) -> None:
        self.default: int = default

    def __get__(self, store: Any, owner: type | None = None) -> int:
        if store is None:
            return self.default
        kept: int = store.__dict__.get("_max_payload", self.default)
        return kept

    def __set__(self, store: Any, value: object) -> None:
        store.__dict__["_max_payload"] = check_max_payload(value)


def own_limit(cls: type) -> None:
    """A store class that sets `max_payload` to a number in its body gets it checked there,
    as a `PayloadLimit` with that default: a plain class attribute would let a store's own
    value be set past the check."""
    own = cls.__dict__.get("max_payload")
    if own is not None and not hasattr(own, "__get__"):
        type.__setattr__(cls, "max_payload", PayloadLimit(check_max_payload(own)))
