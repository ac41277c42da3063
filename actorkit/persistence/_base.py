"""What every store shares above its bytes: argument checks, the commit observer, `async with`,
and `events()`, the decoded history for people and tools."""

from __future__ import annotations

import logging
import math
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import replace
from types import TracebackType
from typing import Self

from .._errors import PersistenceError
from .._exact import exact_number, exact_str, index_int, not_integer
from .._failure import exit_in
from .._persistence_id import MAX_PERSISTENCE_ID, undeletable, unstorable
from .._seconds import FOREVER, MIN_INTERVAL
from .._shown import given, shown
from ._evolution import decoded
from ._limit import PayloadLimit, own_limit
from ._store import StoredEvent, StoredReminder

_log = logging.getLogger("actorkit.persistence")

MAX_SEQ = 2**63 - 1
"""The highest sequence number or revision: the SQL stores keep them as 64-bit integers."""

CommitObserver = Callable[[int, float], object]
"""Called after each commit with the number of writes it carried and the seconds it took;
what it returns is ignored (a lambda that returns something is fine)."""


def closed_store(store: object) -> PersistenceError:
    """The refusal of a store its system closed at shutdown, saying what to change: the
    usual cause is one store object handed to a second system, or to a restarted one."""
    return PersistenceError(
        f"{shown(store)} is closed: a store object serves one system, which closes it at its "
        "shutdown; give each ActorSystem a new store object (a new one on the same file or "
        "database reads what this one wrote; a MemoryStore's contents end with it, so a test "
        "of recovery in a new system uses SQLiteStore on a temporary file)"
    )


def check_id(persistence_id: object) -> None:
    if type(persistence_id) is not str or not persistence_id:
        raise ValueError(_not_plain("persistence_id", persistence_id))
    problem = unstorable("persistence_id", persistence_id)
    if problem is not None:
        raise ValueError(problem)


def check_recovery(persistence_id: str, journal: object) -> None:
    check_id(persistence_id)
    if type(journal) is not bool:
        raise TypeError(f"journal must be True or False, got {given(journal)}")


def check_count(name: str, value: object) -> int:
    """`value` as the plain int it is kept as: any integer, as every integer option takes
    (`index_int`), so that no method of its class runs in a store's comparisons or queries."""
    if type(value) is int and 0 <= value <= MAX_SEQ:
        return value
    number = index_int(value)
    if number is None:
        raise ValueError(
            f"{name} must be an int from 0 to 2**63 - 1, got {given(value)}{not_integer(value)}"
        )
    if not 0 <= number <= MAX_SEQ:
        raise ValueError(f"{name} must be an int from 0 to 2**63 - 1, got {number}")
    return number


def check_payload(payload: object, what: str = "payload") -> None:
    if type(payload) is not bytes:
        raise TypeError(
            f"{what} must be bytes (a store writes encoded values), got "
            f"{type(payload).__name__}: encode it with the codec"
        )


def check_size(persistence_id: str, what: str, size: int, limit: int) -> None:
    """A value no store can keep is refused before it joins a group commit's batch, where the
    database's refusal would fail every other write of the batch too (as `unstorable`)."""
    if size > limit:
        raise ValueError(
            f"{persistence_id!r}: {what} is too large to store: {size:,} bytes encoded, over "
            f"the store's max_payload of {limit:,} (SQLite keeps at most 1,000,000,000 bytes "
            "a row); keep large data outside the store (a file, an object store) and store a "
            "reference to it, or split it"
        )


def append_seq(persistence_id: str, expected_seq: object) -> int:
    """An append's `expected_seq` of another type than int, read once as the plain int that
    `check_append` then checks and the store keeps; the id first, as `check_append` checks."""
    check_id(persistence_id)
    return check_count("expected_seq", expected_seq)


def check_append(
    persistence_id: str, expected_seq: int, payloads: Sequence[bytes], limit: int
) -> int:
    """The bytes of the events, which the check measures anyway."""
    if (  # one event with valid arguments, as a persist of one event sends: no further call
        type(persistence_id) is str
        and persistence_id
        and "\x00" not in persistence_id
        and persistence_id.isascii()  # O(1): with the length, the byte limit
        and len(persistence_id) <= MAX_PERSISTENCE_ID
        and type(expected_seq) is int
        and 0 <= expected_seq < MAX_SEQ
        and type(payloads) is list
        and len(payloads) == 1
        and type(payloads[0]) is bytes
        and (size := len(payloads[0])) <= limit
    ):
        return size
    check_id(persistence_id)
    check_count("expected_seq", expected_seq)
    if not isinstance(payloads, list | tuple):  # a bytes is a sequence too: of ints
        raise TypeError(
            f"payloads must be a list of bytes (one encoded event each), got "
            f"{type(payloads).__name__} {given(payloads)}"
        )
    if not payloads:
        raise ValueError("payloads must hold at least one event, got an empty one")
    if expected_seq > MAX_SEQ - len(payloads):
        raise ValueError(f"{persistence_id!r}: the journal would pass sequence number 2**63 - 1")
    for index, payload in enumerate(payloads):
        check_payload(payload, f"payloads[{index}]")
    size = sum(map(len, payloads))
    check_size(persistence_id, "an append", size, limit)
    return size


def check_snapshot(persistence_id: str, seq: int, payload: bytes, limit: int) -> int:
    return _check_write(persistence_id, "seq", seq, payload, limit, "a snapshot")


def check_state(persistence_id: str, expected_revision: int, payload: bytes, limit: int) -> int:
    return _check_write(
        persistence_id, "expected_revision", expected_revision, payload, limit, "a state"
    )


def _check_write(
    persistence_id: str, name: str, number: int, payload: bytes, limit: int, what: str
) -> int:
    check_id(persistence_id)
    kept = check_count(name, number)
    check_payload(payload)
    check_size(persistence_id, what, len(payload), limit)
    return kept


def check_key(persistence_id: str, key: object, deleting: bool = False) -> None:
    check_id(persistence_id)
    if type(key) is not str or not (key or deleting):  # "" as a row of another program's
        raise ValueError(_not_plain("a reminder key", key))
    problem = (undeletable if deleting else unstorable)("a reminder key", key)
    if problem is not None:
        raise ValueError(problem)


def _not_plain(what: str, value: object) -> str:
    """A str subclass (a `StrEnum` member, which spawn and reminders take as its text) is
    refused by the stores' own methods, which keep and compare exactly `str`: say so."""
    if isinstance(value, str) and value:
        return (
            f"{what} must be exactly a str, got the {type(value).__name__} "
            f"{given(exact_str(value))}: pass "
            "its plain text (a StrEnum member's .value)"
        )
    return f"{what} must be a non-empty str, got {given(value)}"


def check_reminder(persistence_id: str, reminder: object, limit: int) -> StoredReminder:
    """`reminder` as every store keeps and returns it: its times, numbers of seconds as
    `reminders.start` takes them, as the plain floats the SQL columns give back on any store."""
    if not isinstance(reminder, StoredReminder):
        raise TypeError(f"expected a StoredReminder, got {type(reminder).__name__}")
    check_key(persistence_id, reminder.key)
    check_payload(reminder.payload, "a reminder's payload")
    check_size(persistence_id, "a reminder's message", len(reminder.payload), limit)
    due = _finite(number := exact_number(reminder.due))  # read once: checked is kept
    if due is None:
        raise ValueError(
            "a reminder's due must be a finite time (seconds since the epoch, a number), got "
            f"{_refused(reminder.due, number)}"
        )
    every = reminder.every
    number = None if every is None else exact_number(every)
    period = _finite(number)
    if every is not None and (period is None or not MIN_INTERVAL <= period < FOREVER):
        # what its owner's timers take: else every start of the owner would fail arming it
        raise ValueError(
            f"a reminder's every must be None (once) or seconds from {MIN_INTERVAL:g} to "
            f"below {FOREVER:.0e}, as reminders.start takes it, got {_refused(every, number)}"
        )
    return replace(reminder, due=due, every=period)


def _finite(number: float | None) -> float | None:
    """`exact_number`'s number of seconds as the float the SQL stores bind, if it is one."""
    try:
        return None if number is None or not math.isfinite(number) else float(number)
    except OverflowError:  # an int past the float range
        return None


def _refused(value: object, number: float | None) -> str:
    """A refused time: a number as itself, else with its type, which its text may not tell."""
    return f"{type(value).__name__} {given(value)}" if number is None else given(number)


async def decoded_events(
    read: Callable[[str, int], AsyncIterator[StoredEvent]], persistence_id: str, from_seq: int = 1
) -> AsyncIterator[tuple[int, float, object]]:
    """`StoreBase.events` for any store's `read`: also one that implements only the protocol."""
    async for stored in read(persistence_id, from_seq):
        yield (
            stored.seq,
            stored.time,
            decoded(stored.payload, f"event {stored.seq}", persistence_id),
        )


class StoreBase(ABC):
    """Base of the shipped stores. `on_commit`, when set, sees every commit: the actor layer
    hangs its batch-size and latency metrics there."""

    on_commit: CommitObserver | None = None
    max_payload: PayloadLimit | int = PayloadLimit()
    """Bytes of encoded values one write may carry; one over it is a `ValueError` before
    anything is written. Lowered, it refuses smaller writes (`_limit`). Read, it is an int;
    a subclass's body may set an int, which `__init_subclass__` makes a checked limit."""

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        own_limit(cls)

    @abstractmethod
    def read(self, persistence_id: str, from_seq: int = 1) -> AsyncIterator[StoredEvent]:
        """Checks its arguments at the call, as every other method does, not at the first
        step of the iteration, which may come later and elsewhere."""

    @abstractmethod
    async def open(self) -> None: ...

    @abstractmethod
    async def close(self) -> None: ...

    def events(
        self, persistence_id: str, from_seq: int = 1
    ) -> AsyncIterator[tuple[int, float, object]]:
        """`(seq, time, event)` from `from_seq` on, decoded with the registered message types;
        a row that does not decode is a `PersistenceError` naming it."""
        check_id(persistence_id)
        return decoded_events(self.read, persistence_id, check_count("from_seq", from_seq))

    def _observe(self, writes: int, seconds: float) -> None:
        """Runs after the commit: an observer that fails (metrics), whatever it raises, is
        logged, and the write, which is durable by now, still succeeds, as do the writes the
        SQL stores' writer has queued behind it. A `BaseException` too (a custom one, a
        stray `CancelledError`: no cancellation lands in a plain call), which would end that
        writer; only an exit goes on, the program's to end with, bare: also one a group
        holds, which asyncio would keep in the writer task as a failure (`exit_in`)."""
        observer = self.on_commit
        if observer is not None:
            try:
                observer(writes, seconds)
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as error:
                exit = exit_in(error)
                if exit is not None:  # the group, which holds what else it raised, its cause
                    raise exit from error
                _log.exception("the store's commit observer failed")

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()
