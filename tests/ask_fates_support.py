"""An ask's fate at a full mailbox, for its tests: what puts a close, a cancellation or a
granted place in the loop turn of the asks' deadlines (`in_the_deadlines_turn`,
`give_the_head_s_place`), and what `ask_fates_driver` saw of each message, with the rules
its fate keeps (api.md §9, "Actors and stopping" and "Order and delivery"): every message is
handled at most once, and one not handled is accounted for once, as its sender heard; an
ask's outcome in `actorkit_asks_total` is what its asker heard or, for an asker cancelled
after its ask was answered, what answered it; and the first of a deadline and a close
decides."""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest

from actorkit._clock import AskDeadlines
from actorkit._withdraw import take_back

if TYPE_CHECKING:
    from collections.abc import Callable

    from actorkit._mailbox import Mailbox

STOPS = ("stopping", "shutdown")
"""The dead-letter reasons of a message its actor's stop refused."""

COUNTED = {"AskTimeout": "timeout", "NotDelivered": "stopped", "ActorStopped": "stopped"}


@dataclass
class Seen:
    kind: dict[int, str] = field(default_factory=dict)
    """"ask" or "send", by message."""
    reply: dict[int, object] = field(default_factory=dict)
    heard: dict[int, str] = field(default_factory=dict)
    """The error its sender got (its type's name), or "sent"."""
    counted: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    """What `ClassStats.ask_failed` was given for it (its type's name)."""
    handled: list[int] = field(default_factory=list)
    dead: dict[int, list[str]] = field(default_factory=dict)
    refused: set[int] = field(default_factory=set)
    """Asks made once their actor had stopped: refused at once, no dead letter."""
    after_close: list[int] = field(default_factory=list)
    """Asks a deadline answered although their actor had closed first."""
    by_task: dict[asyncio.Task[None], int] = field(default_factory=dict)
    asker: dict[int, asyncio.Task[None]] = field(default_factory=dict)
    balanced: bool = False


def check(seen: Seen) -> list[str]:
    """The broken rules, each naming its message."""
    problems = [f"{n} answered by its deadline after its actor closed" for n in seen.after_close]
    if not seen.balanced:
        problems.append("the accounting does not balance")
    handled = Counter(seen.handled)
    for n, kind in seen.kind.items():
        dead = seen.dead.get(n, [])
        fates = handled[n] + len(dead)
        heard = seen.heard.get(n)
        counted = seen.counted.get(n, [])
        where = f"{kind} {n} (heard {heard}, counted {counted}, handled {handled[n]}, dead {dead})"
        if fates > 1:
            problems.append(f"{where}: more than one fate")
        if heard == "never began":
            if fates or counted:
                problems.append(f"{where}: never sent, yet it has a fate")
            continue
        if kind == "send":
            if heard == "sent" and fates != 1:
                problems.append(f"{where}: sent, and lost")
            continue
        if len(counted) > 1:
            problems.append(f"{where}: counted twice")
            continue
        outcome = COUNTED.get(counted[0], "cancelled") if counted else "ok"
        if n in seen.reply and seen.reply[n] != n:
            problems.append(f"{where}: answered with another's reply")
        if outcome == "ok" and not handled[n]:
            problems.append(f"{where}: counted ok, not handled")
        if outcome != "cancelled" and fates != (n not in seen.refused):
            problems.append(f"{where}: answered, and lost")
        if heard in COUNTED and COUNTED[heard] != outcome:
            problems.append(f"{where}: heard and counted disagree")
        if "expired" in dead and outcome != "timeout":
            problems.append(f"{where}: expired, not counted a timeout")
        if outcome == "stopped" and (handled[n] or not set(dead) <= set(STOPS)):
            problems.append(f"{where}: counted stopped, with another fate")
    return problems


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
    expire = AskDeadlines.expire

    def in_one_turn(deadlines: AskDeadlines) -> None:
        before()
        expire(deadlines)
        after()

    monkeypatch.setattr(AskDeadlines, "expire", in_one_turn)
