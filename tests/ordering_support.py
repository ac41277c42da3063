"""The actors, messages and checks of the seeded ordering driver (ordering_driver).

Senders (plain tasks, each with its own sequence) interleave `tell`, `send`, `ask`, a
publish to a topic the receiver subscribes to and `schedule_once` timers, while the
receivers fail under every directive (with a backoff), are woken from dormancy, are pool
members (routings, resizes, member restarts), are stopped orderly or forcibly, and forward
messages to a watcher before they stop. The checks: per (sender, receiver) pair, what was
handled came in the order sent; no message was handled twice; every message sent was
handled, or is a dead letter, or failed its asker, or was refused to its sender.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from actorkit import (
    Actor,
    ActorRef,
    ActorSystem,
    Backoff,
    Directive,
    NotDelivered,
    OneForOne,
    Terminated,
)
from actorkit.persistence import EventSourced

from .persistence.durable_support import Deposited

DECIDER: dict[type[BaseException], Directive] = {
    ValueError: "resume",
    KeyError: "restart",
    RuntimeError: "stop",
}
FAULTS: dict[str, type[BaseException]] = {
    "resume": ValueError,
    "restart": KeyError,
    "stop": RuntimeError,
}


@dataclass(frozen=True)
class M:
    sender: str
    seq: int
    fault: str | None = None  # a key of FAULTS, or "self_stop"


@dataclass
class Log:
    """What every receiver began handling, by receiver key, and what the watcher saw."""

    handled: dict[str, list[M]] = field(default_factory=lambda: defaultdict(list))
    watched: list[object] = field(default_factory=list)
    forwarded: dict[str, int] = field(default_factory=Counter)


class Receiver(Actor):
    def __init__(self, log: Log, key: str, watcher: ActorRef | None = None) -> None:
        self.log = log
        self.key = key
        self.watcher = watcher

    async def receive(self, message: Any) -> Any:
        if not isinstance(message, M):
            return None
        self.log.handled[self.key].append(message)
        if self.watcher is not None and message.seq % 3 == 0:
            seq = self.log.forwarded[self.key] = self.log.forwarded[self.key] + 1
            self.watcher.tell(M(self.key, seq))
        if message.fault == "self_stop":
            self.stop()
        elif message.fault is not None:
            raise FAULTS[message.fault](message)
        return message.seq


class DurableReceiver(EventSourced):
    """A receiver that persists each message before handling it: restarts recover first,
    and what arrives meanwhile waits in the mailbox."""

    def __init__(self, log: Log, key: str) -> None:
        self.log = log
        self.key = key
        self.recovered = 0

    def apply(self, event: Any) -> None:
        self.recovered += 1

    async def receive(self, message: Any) -> Any:
        if not isinstance(message, M):
            return None
        self.log.handled[self.key].append(message)
        await self.persist(Deposited(message.seq))
        if message.fault == "self_stop":
            self.stop()
        elif message.fault is not None:
            raise FAULTS[message.fault](message)
        return message.seq


class Parent(Actor):
    supervisor_strategy = OneForOne(
        max_restarts=10_000,
        within=1.0,
        backoff=Backoff(min=0.05, max=0.2, jitter=0.0),
        decider=DECIDER,
    )

    async def receive(self, message: Any) -> Any:
        factory, args, name, size = message
        durable = {"persistence_id": name} if factory is DurableReceiver else {}
        return await self.spawn(factory, *args, name=name, mailbox_size=size, **durable)


class Watcher(Actor):
    def __init__(self, log: Log) -> None:
        self.log = log

    async def receive(self, message: Any) -> Any:
        if isinstance(message, Terminated):
            self.log.watched.append(("terminated", message.ref.name))
        elif message == "watch":
            return None
        elif isinstance(message, tuple):
            self.watch(message[1])
        else:
            self.log.watched.append(message)
        return None


@dataclass
class Fates:
    sent: list[M] = field(default_factory=list)
    refused: set[M] = field(default_factory=set)  # MailboxFull to the sender
    ask_errors: dict[M, BaseException] = field(default_factory=dict)
    ask_timeouts: set[M] = field(default_factory=set)
    target: dict[M, str] = field(default_factory=dict)
    op: dict[M, str] = field(default_factory=dict)


def check(
    log: Log,
    fates: Fates,
    system: ActorSystem,
    by_timer: set[M],
    unordered: set[str],
) -> list[str]:
    """The faults found, in words: empty when every promise held."""
    problems: list[str] = []
    handled: Counter[M] = Counter()
    for key, messages in log.handled.items():
        last: dict[str, int] = {}
        for m in messages:
            handled[m] += 1
            if m in by_timer or key in unordered:
                continue
            if m.seq <= last.get(m.sender, 0):
                problems.append(
                    f"order: {key} handled {m} ({fates.op[m]}) after seq {last[m.sender]}"
                )
            last[m.sender] = m.seq
    dead: Counter[M] = Counter()
    assert system.dead_letters.count < 1000, "too many dead letters to read them back"
    reasons: dict[M, str] = {}
    for letter in system.dead_letters.recent:
        if isinstance(letter.message, M):
            dead[letter.message] += 1
            reasons[letter.message] = letter.reason
    for m in fates.sent:
        fate = handled[m] + dead[m]
        if handled[m] > 1 or dead[m] > 1:
            problems.append(f"twice: {m} handled {handled[m]} dead {dead[m]}")
        elif (
            fate == 0
            and m not in fates.refused
            and not isinstance(fates.ask_errors.get(m), NotDelivered)
        ):
            problems.append(f"lost: {m} ({fates.op[m]}) to {fates.target[m]}")
        elif handled[m] and (dead[m] or m in fates.refused):
            problems.append(f"handled and {reasons.get(m, 'refused')}: {m}")
    # Erlang's rule: the watched actor's messages come before its Terminated.
    seen_end: set[str] = set()
    for entry in log.watched:
        if isinstance(entry, tuple):
            seen_end.add(entry[1])
        elif isinstance(entry, M) and entry.sender in seen_end:
            problems.append(f"after Terminated: {entry}")
    return problems
