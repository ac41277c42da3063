"""A durable instance's link to its store, and the codec's bytes for what it stores."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._errors import PersistenceError
from .._wire import BadPayload
from . import _payload

if TYPE_CHECKING:
    from ._metrics import DurableStats
    from ._reminders import Reminders
    from ._service import Persistence
    from ._store import Store


class Binding:
    """One durable instance's link to its store, in one attribute of the user's object."""

    __slots__ = (
        "busy", "persistence_id", "recovered", "reminders", "seq", "service", "stats", "store",
    )  # fmt: skip

    def __init__(self, service: Persistence, persistence_id: str, actor_type: str) -> None:
        self.service = service
        self.store: Store = service.store
        self.persistence_id = persistence_id
        self.seq = 0
        """The last event's sequence number (`EventSourced`) or the state's revision."""
        self.recovered = False
        self.busy = False
        self.reminders: Reminders | None = None
        metrics = service.metrics
        self.stats: DurableStats | None = None if metrics is None else metrics.of(actor_type)

    def decode(self, payload: bytes, what: str) -> Any:
        try:
            return _payload.decode(payload)
        except BadPayload as error:
            raise PersistenceError(
                f"{what} of {self.persistence_id!r} does not decode: {error}"
            ) from None


def encode(value: object, what: str) -> bytes:
    """Bytes for the store, or a `TypeError` naming what could not be stored and why."""
    return encode_all((value,), what)[0]


def encode_all(values: tuple[object, ...], what: str) -> list[bytes]:
    """`encode` of each value, all before any is written: one call per persist."""
    try:
        if len(values) == 1:
            return [_payload.encode(values[0])]
        return list(map(_payload.encode, values))
    except TypeError as error:
        raise TypeError(f"{what} cannot be stored: {error}") from None
