"""Pub-sub over the topic index: each matching actor gets a publish once, and nothing a
publish cannot deliver is lost silently (it becomes a dead letter with its reason)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._errors import ActorStopped
from ._messages import DeadLetter
from ._topics import TopicIndex, validate_pattern

if TYPE_CHECKING:
    from ._cell import Cell
    from ._dead_letters import DeadLetters

DEAD_LETTER_TOPIC = "actorkit.dead_letters"
"""Subscribe to this topic to watch dead letters as `DeadLetter` records."""


class Router:
    __slots__ = ("_dead", "_index", "_watching_dead", "delivered", "published")

    def __init__(self, dead_letters: DeadLetters) -> None:
        self._index: TopicIndex[Cell] = TopicIndex()
        self._dead = dead_letters
        self._watching_dead = False
        self.published = 0
        self.delivered = 0
        dead_letters.listen(self._forward_dead_letter)

    def subscribe(self, cell: Cell, pattern: str) -> bool:
        if cell.closed:
            raise ActorStopped(f"{cell.path} is stopped and cannot subscribe to {pattern!r}")
        added = self._index.add(pattern, cell)
        self._watching_dead = bool(self._index.match(DEAD_LETTER_TOPIC))
        return added

    def unsubscribe(self, cell: Cell, pattern: str | None) -> int:
        if pattern is None:
            removed = len(self._index.remove_subscriber(cell))
        else:
            validate_pattern(pattern)
            removed = int(self._index.remove(pattern, cell))
        self._watching_dead = bool(self._index.match(DEAD_LETTER_TOPIC))
        return removed

    def forget(self, cell: Cell) -> None:
        """A stopped actor's subscriptions go with it."""
        if cell in self._index:
            self.unsubscribe(cell, None)

    def patterns_of(self, cell: Cell) -> frozenset[str]:
        return self._index.patterns_of(cell)

    def publish(self, topic: str, message: Any, *, unmatched_is_dead: bool = True) -> int:
        """`unmatched_is_dead=False` when other systems may hold the subscribers (a
        transport is attached), so a publish nobody here wants is not a local dead letter."""
        cells = self._index.match(topic)
        self.published += 1
        if not cells:
            if unmatched_is_dead:
                self._dead.add(message, topic, "no_subscribers")
            return 0
        delivered = 0
        for cell in cells:
            if cell.mailbox.offer(message):
                delivered += 1
            else:
                self._dead.add(message, cell.path, "mailbox_full")
        self.delivered += delivered
        return delivered

    def _forward_dead_letter(self, letter: DeadLetter) -> None:
        # Never record a dead letter about a dead letter: that would loop.
        if self._watching_dead and letter.recipient != DEAD_LETTER_TOPIC:
            for cell in self._index.match(DEAD_LETTER_TOPIC):
                cell.mailbox.offer(letter)  # a copy for watchers: the letter is already counted

    def __len__(self) -> int:
        return len(self._index)
