"""The single place every undelivered message ends up, counted by reason."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from ._messages import DeadLetter

RECENT_LIMIT = 1000


class DeadLetters:
    """Counts by reason plus a bounded ring of recent records.

    Reasons used by the runtime: `stopped` (sent to a stopped actor), `stopping` (queued when
    the actor was stopped), `shutdown` (left at shutdown), `no_subscribers` and `mailbox_full`
    (publish), `expired` (an ask dropped unsent after its timeout), `not_restarted` (queued
    at an actor waiting out a restart's backoff when shutdown stopped it).
    """

    __slots__ = ("_listeners", "_now", "_recent", "by_reason", "count")

    def __init__(self, now: Callable[[], float], limit: int = RECENT_LIMIT) -> None:
        self._now = now
        self.count = 0
        self.by_reason: dict[str, int] = {}
        self._recent: deque[DeadLetter] = deque(maxlen=limit)
        self._listeners: list[Callable[[DeadLetter], object]] = []

    def add(self, message: object, recipient: str | None, reason: str) -> None:
        self.count += 1
        self.by_reason[reason] = self.by_reason.get(reason, 0) + 1
        letter = DeadLetter(message, recipient, reason, self._now())
        self._recent.append(letter)
        for listener in self._listeners:
            listener(letter)

    @property
    def recent(self) -> list[DeadLetter]:
        """The last records, oldest first, as the contract's list: a copy, so slicing works and
        a dead letter recorded while the caller iterates (across an await) cannot break the
        loop, as it would a live deque; recording stays an O(1) append."""
        return list(self._recent)

    def listen(self, listener: Callable[[DeadLetter], object]) -> None:
        """Let metrics or a topic watch dead letters without the core knowing about them."""
        self._listeners.append(listener)

    def __repr__(self) -> str:
        return f"DeadLetters(count={self.count}, by_reason={self.by_reason})"
