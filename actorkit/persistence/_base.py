"""What every store shares above its bytes: argument checks, the commit observer, `async with`,
and `events()`, the decoded history for people and tools."""

from __future__ import annotations

import logging
import math
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable, Sequence
from types import TracebackType
from typing import Self

from .._errors import PersistenceConflict, PersistenceError
from .._persistence_id import nul_refused
from .._wire import BadPayload
from . import _payload
from ._store import StoredEvent, StoredReminder

_log = logging.getLogger("actorkit.persistence")

CommitObserver = Callable[[int, float], None]
"""Called after each commit with the number of writes it carried and the seconds it took."""


def check_id(persistence_id: object) -> None:
    if type(persistence_id) is not str or not persistence_id:
        raise ValueError(f"persistence_id must be a non-empty str, got {persistence_id!r}")
    if "\x00" in persistence_id:
        raise ValueError(nul_refused("persistence_id", persistence_id))


def check_count(name: str, value: object) -> None:
    if type(value) is not int or value < 0:
        raise ValueError(f"{name} must be an int >= 0, got {value!r}")


def check_payload(payload: object) -> None:
    if type(payload) is not bytes:
        raise TypeError(
            f"a store writes encoded values (bytes), got {type(payload).__name__}: encode "
            "them with the codec"
        )


def check_append(persistence_id: str, expected_seq: int, payloads: Sequence[bytes]) -> None:
    if (  # one event with valid arguments, as a persist of one event sends: no further call
        type(persistence_id) is str
        and persistence_id
        and "\x00" not in persistence_id
        and type(expected_seq) is int
        and expected_seq >= 0
        and len(payloads) == 1
        and type(payloads[0]) is bytes
    ):
        return
    check_id(persistence_id)
    check_count("expected_seq", expected_seq)
    if not payloads:
        raise ValueError("append needs at least one event")
    for payload in payloads:
        check_payload(payload)


def check_write(persistence_id: str, name: str, number: int, payload: bytes) -> None:
    """A snapshot (`seq`) or a state (`expected_revision`)."""
    check_id(persistence_id)
    check_count(name, number)
    check_payload(payload)


def check_key(persistence_id: str, key: object) -> None:
    check_id(persistence_id)
    if type(key) is not str or not key:
        raise ValueError(f"a reminder key is a non-empty str, got {key!r}")
    if "\x00" in key:
        raise ValueError(nul_refused("a reminder key", key))


def check_reminder(persistence_id: str, reminder: object) -> None:
    if not isinstance(reminder, StoredReminder):
        raise TypeError(f"expected a StoredReminder, got {type(reminder).__name__}")
    check_key(persistence_id, reminder.key)
    check_payload(reminder.payload)
    every = reminder.every
    if not _finite(reminder.due) or not (every is None or (_finite(every) and every > 0)):
        raise ValueError(
            f"a reminder is due at a finite time, every None or > 0 seconds; got "
            f"due={reminder.due!r}, every={every!r}"
        )


def _finite(value: object) -> bool:
    return type(value) in (int, float) and math.isfinite(value)  # type: ignore[arg-type]


def append_conflict(persistence_id: str, expected_seq: int, highest: int) -> PersistenceConflict:
    return PersistenceConflict(
        f"{persistence_id!r}: expected sequence number {expected_seq}, the journal is at "
        f"{highest} (another writer of this persistence id got there first)"
    )


def state_conflict(persistence_id: str, expected: int, revision: int) -> PersistenceConflict:
    return PersistenceConflict(
        f"{persistence_id!r}: expected state revision {expected}, the store has {revision} "
        "(another writer of this persistence id got there first)"
    )


def race_conflict(persistence_id: str) -> PersistenceConflict:
    return PersistenceConflict(
        f"{persistence_id!r}: another writer of this persistence id committed first"
    )


async def decoded_events(
    read: Callable[[str, int], AsyncIterator[StoredEvent]], persistence_id: str, from_seq: int = 1
) -> AsyncIterator[tuple[int, float, object]]:
    """`StoreBase.events` for any store's `read`: also one that implements only the protocol."""
    async for stored in read(persistence_id, from_seq):
        try:
            event = _payload.decode(stored.payload)
        except BadPayload as error:
            raise PersistenceError(
                f"event {stored.seq} of {persistence_id!r} does not decode: {error}"
            ) from None
        yield stored.seq, stored.time, event


class StoreBase(ABC):
    """Base of the shipped stores. `on_commit`, when set, sees every commit: the actor layer
    hangs its batch-size and latency metrics there."""

    on_commit: CommitObserver | None = None

    @abstractmethod
    def read(self, persistence_id: str, from_seq: int = 1) -> AsyncIterator[StoredEvent]: ...

    @abstractmethod
    async def open(self) -> None: ...

    @abstractmethod
    async def close(self) -> None: ...

    async def events(
        self, persistence_id: str, from_seq: int = 1
    ) -> AsyncIterator[tuple[int, float, object]]:
        """`(seq, time, event)` from `from_seq` on, decoded with the registered message types;
        a row that does not decode is a `PersistenceError` naming it."""
        async for row in decoded_events(self.read, persistence_id, from_seq):
            yield row

    def _observe(self, writes: int, seconds: float) -> None:
        """Runs after the commit: an observer that fails (metrics) is logged, and the write,
        which is durable by now, still succeeds."""
        observer = self.on_commit
        if observer is not None:
            try:
                observer(writes, seconds)
            except Exception:
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
