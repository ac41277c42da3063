"""Message accounting: every accepted message is processed, crashed its handler, or became a
dead letter. The counts make that promise checkable, per actor and system-wide."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._cell import Cell
    from ._mailbox import Mailbox


@dataclass(slots=True)
class Accounting:
    accepted: int = 0
    processed: int = 0
    crashed: int = 0
    dead_lettered: int = 0
    queued: int = 0
    handling: int = 0

    def add(self, cell: Cell) -> None:
        """A live actor's counts: a retired one's, plus what is queued and in hand."""
        mailbox = cell.mailbox
        self.retire(mailbox)
        self.queued += len(mailbox)
        self.handling += cell.handling is not None

    def retire(self, mailbox: Mailbox) -> int:
        """The counts of a closed mailbox, whose actor left the registry: `close` has
        dead-lettered its queue and the message in hand, so only the four totals remain.
        Returns its processed count, summed on read (`Mailbox.processed`), for the caller's
        per-class counter."""
        processed = mailbox.processed
        self.accepted += mailbox.accepted
        self.processed += processed
        self.crashed += mailbox.crashed
        self.dead_lettered += mailbox.dead_lettered
        return processed

    @property
    def balanced(self) -> bool:
        """The invariant: nothing accepted is unaccounted for."""
        return self.accepted == (
            self.processed + self.crashed + self.dead_lettered + self.queued + self.handling
        )
