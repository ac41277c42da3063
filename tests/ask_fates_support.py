"""An ask's fate at a full mailbox, for its tests: what puts a close or a granted place in
the loop turn of the asks' deadlines (`in_the_deadlines_turn`, `give_the_head_s_place`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from actorkit._clock import AskDeadlines
from actorkit._withdraw import take_back

if TYPE_CHECKING:
    from collections.abc import Callable

    from actorkit._mailbox import Mailbox


def give_the_head_s_place(mailbox: Mailbox) -> bool:
    """The queue's head leaves and is put back at its tail, as a task the task layer takes
    back and hands over again: its place goes to the first sender waiting for room, who has
    not taken it yet on return. Whether there was a head and a sender waiting."""
    if not mailbox.blocked or not mailbox.queue or mailbox.closed:
        return False
    head = mailbox.queue[0]
    return take_back(mailbox, head) and mailbox.force(head)


def in_the_deadlines_turn(
    monkeypatch: pytest.MonkeyPatch, before: Callable[[], object], after: Callable[[], object]
) -> None:
    """From now on, the asks' deadlines fire in one loop turn with `before` and `after`. Set
    before the asks are made: the deadlines' timer holds the callback it was armed with."""
    # The deadlines' timer callback: no public way puts a close in the same turn as it.
    expire = AskDeadlines._expire  # noqa: SLF001

    def in_one_turn(deadlines: AskDeadlines) -> None:
        before()
        expire(deadlines)
        after()

    monkeypatch.setattr(AskDeadlines, "_expire", in_one_turn)
