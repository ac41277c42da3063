"""The single place every undelivered message ends up, counted by reason.

A tell to a stopped actor is a dead letter, and a producer may keep telling one: recording
must cost little more than the count. So the ring of recent records holds each record's
fields as a plain tuple until someone reads it, and a `DeadLetter` (a frozen dataclass, whose
construction costs more than all the rest of a record) is built once, for the first reader:
`recent` (which keeps what it built, so a record is the same object at every read), a
listener (given the very record kept), or a watcher of the dead-letter topic (given a copy).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from itertools import islice
from typing import Literal, cast
from weakref import WeakValueDictionary

from ._messages import DeadLetter

RECENT_LIMIT = 1000

Fields = tuple[object, str | None, str, float]
"""A record as the ring keeps it until it is read: `DeadLetter(*fields)` is the record."""

TransportReason = Literal[
    "bad_payload",
    "incompatible",
    "not_exposed",
    "shutdown",
    "buffer_full",
    "unreachable",
    "transport_closed",
    "send_failed",
    "bad_topic",
    "mailbox_full",
    "undeliverable",
    "slow_consumer",
]
"""What the NATS transport records, each counted in `actorkit_nats_rejected_total` too."""

Reason = Literal[
    "stopped", "stopping", "not_restarted", "expired", "no_subscribers", TransportReason
]
"""Every dead-letter reason, defined once: a recording site with another fails `mypy`, and a
test holds README, docs and the `DeadLetters` docstring to this set."""


class DeadLetters:
    """Counts by reason plus a bounded ring of recent records, so that nothing undelivered
    goes unseen. The reasons (`Reason`; from `not_exposed` on, the NATS transport's only):

    - `stopped`: sent to a stopped actor, or to a pool whose members were all stopped; or a
      timer's message, the timer scheduled to a stopped actor and never armed.
    - `stopping`: queued at an actor, waiting for room in its mailbox, or in hand at a forced
      stop, when it was stopped; or a timer's message, the timer scheduled to an actor whose
      stop had begun (or, periodic, that drained) and never armed.
    - `shutdown`: the same at shutdown; with NATS also what the outbound queue held when the
      shutdown gave it up, what was sent after that, and what arrived from NATS meanwhile.
    - `not_restarted`: queued at an actor waiting out a restart's backoff at shutdown.
    - `expired`: an ask whose timeout came while it waited for room in a full mailbox.
    - `no_subscribers`: a publish to a topic nobody subscribes to (without a NATS transport).
    - `mailbox_full`: a publish, a timer's tick, a message a pool passes on, or a tell from
      another system, refused by a full mailbox; or a send or ask from another system
      refused because `MAX_WAITING_SENDS` already wait for room in this process.
    - `undeliverable`: a timer's tick, a message a pool passes on, or a tell or publish from
      another system, whose routing raised (such as a pool's `hash_key`).
    - `not_exposed`: a message from another system to an actor this one does not expose.
    - `bad_payload`: a message or reply that could not be decoded.
    - `incompatible`: a message or reply of a type whose class here refuses it, or that no
      class here is registered for: its sender runs another version of it.
    - `bad_topic`: a publish from NATS on a subject no system could publish to, or on the
      dead-letter topic, which takes only this system's own records.
    - `buffer_full`: a publish while the outbound buffer holds `max_buffered` publishes (a
      tell finding its own `max_buffered` full raises instead).
    - `unreachable`: a buffered tell whose target did not answer within `buffer_timeout`.
    - `send_failed`: the NATS client refused a message or failed while flushing it, or the
      NATS server refused the system's user publish permission on its subject.
    - `transport_closed`: sent after the connections closed, or queued when the connection
      closed for good.
    - `slow_consumer`: a tell from another system that nats-py dropped, its subscription's
      queue full behind a message that was slower to handle.
    """

    __slots__ = ("_by_reason", "_copies", "_forward", "_listeners", "_now", "_recent", "count")

    def __init__(self, now: Callable[[], float], limit: int = RECENT_LIMIT) -> None:
        self._now = now
        self.count: int = 0
        self._by_reason: dict[str, int] = {}
        self._recent: deque[Fields | DeadLetter] = deque(maxlen=limit)
        self._listeners: list[Callable[[DeadLetter], object]] = []
        self._forward: Callable[[Fields], bool] | None = None
        # The letters handed to watchers, by id while they live: `add` checks identity, so
        # a `DeadLetter` a user built (or decoded from another system) is never taken for one.
        # None until the first: a weak dictionary's truth is a Python call, on every record.
        self._copies: WeakValueDictionary[int, DeadLetter] | None = None

    def add(self, message: object, recipient: str | None, reason: Reason) -> None:
        copies = self._copies
        if (
            type(message) is DeadLetter
            and copies is not None
            and copies.get(id(message)) is message
        ):
            # A watcher's copy of a letter already counted (queued when the watcher stopped,
            # refused by a pool member it went through, or passed on by the watcher): the
            # actor's own accounting keeps it, and a letter about it would count one loss
            # twice (and come back to the watcher, which could pass it on for ever).
            return
        self.count += 1
        by_reason = self._by_reason
        by_reason[reason] = by_reason.get(reason, 0) + 1
        fields = (message, recipient, reason, self._now())
        listeners = self._listeners
        letter = DeadLetter(*fields) if listeners else None
        self._recent.append(fields if letter is None else letter)
        if self._forward is not None:
            self._forward(fields)
        if letter is not None:
            for listener in listeners:
                listener(letter)

    def add_all(self, messages: list[object], recipient: str | None, reason: Reason) -> None:
        """`add` for each of `messages`, in order, lost together (a stopping actor's queue),
        for about what counting them costs: lost at one instant, they share one clock reading;
        of their records only those the ring keeps are made (as many as it holds, the last);
        and the router is asked once whether anyone watches the dead-letter topic, which
        nothing can change while they are recorded. Watchers and listeners still get every
        letter: listeners once all are in the ring."""
        copies = self._copies
        if copies is not None:  # the rule of `add`, per message: a watcher's copy is counted
            messages = [
                m for m in messages if type(m) is not DeadLetter or copies.get(id(m)) is not m
            ]
        n = len(messages)
        if not n:
            return
        self.count += n
        by_reason = self._by_reason
        by_reason[reason] = by_reason.get(reason, 0) + n
        now = self._now()
        listeners = self._listeners
        recent = self._recent
        limit = recent.maxlen or 0
        letters: Sequence[DeadLetter] = ()  # none made without a listener
        kept: Sequence[Fields | DeadLetter]
        if listeners:
            letters = [DeadLetter(m, recipient, reason, now) for m in messages]
            kept = letters[n - limit :] if n > limit else letters
        else:
            kept = [
                (m, recipient, reason, now)
                for m in (messages[n - limit :] if n > limit else messages)
            ]
        # The entries the ring drops to make room are released only once it holds all of
        # these: a finalizer that releasing one runs (it may record a dead letter, or read
        # `recent`, which replaces the ring) finds the ring whole, as after an `add`.
        overflow = len(recent) + len(kept) - limit
        dropped = list(islice(recent, overflow)) if overflow > 0 else None
        recent.extend(kept)
        del dropped
        forward = self._forward
        if forward is not None and forward((messages[0], recipient, reason, now)):
            for message in islice(messages, 1, None):
                forward((message, recipient, reason, now))
        for letter in letters:
            for listener in listeners:
                listener(letter)

    @property
    def by_reason(self) -> dict[str, int]:
        """A copy, as `recent` is: a caller that iterates it across an await, or changes it,
        cannot break on a new reason or alter the record the metric reads."""
        return dict(self._by_reason)

    @property
    def recent(self) -> list[DeadLetter]:
        """The last records, oldest first, as the contract's list: a copy, so slicing works and
        a dead letter recorded while the caller iterates (across an await) cannot break the
        loop, as it would a live deque; recording stays an O(1) append."""
        return self._built()

    def _built(self) -> list[DeadLetter]:
        """The ring's records, those still kept as fields built now and kept built, so that
        the next read returns the same records. Fields are only ever the newest entries
        (`listen` builds the ring before a listener makes each record built as it comes), so
        the newest one says whether there is anything to build.

        Built from a copy taken in one C call, into a new ring: building allocates, an
        allocation may start a garbage collection, and a finalizer it runs may record a dead
        letter. One recorded meanwhile moves the old ring's ends, and the build starts over;
        otherwise the new ring replaces it, with no call (nor allocation) between that check
        and the swap for a collection to run at. A read made meanwhile (by a finalizer) swapped
        in records of its own: the build starts over, and returns those."""
        ring = self._recent
        while ring and type(ring[-1]) is tuple:
            entries = list(ring)
            letters = cast(
                "list[DeadLetter]",
                [DeadLetter(*kept) if type(kept) is tuple else kept for kept in entries],
            )
            built: deque[Fields | DeadLetter] = deque(letters, maxlen=ring.maxlen)
            if self._recent is ring and ring[-1] is entries[-1] and ring[0] is entries[0]:
                self._recent = built
                return letters
            ring = self._recent
        return cast("list[DeadLetter]", list(ring))

    def watchers_copy(self, fields: Fields) -> DeadLetter:
        """What goes to watchers: a record that, lost again, is not a dead letter again. Never
        one `recent` returns: that is the user's to send, and lost, counted as any message is."""
        copy = DeadLetter(*fields)
        if self._copies is None:
            self._copies = WeakValueDictionary()
        self._copies[id(copy)] = copy
        return copy

    def listen(self, listener: Callable[[DeadLetter], object]) -> None:
        """Let metrics or tests watch dead letters without the core knowing about them."""
        self._built()
        self._listeners.append(listener)

    def forward_to(self, forward: Callable[[Fields], bool] | None) -> None:
        """The router's hook for the dead-letter topic: given each record's fields, it builds
        a `DeadLetter` (`watchers_copy`) only when an actor watches the topic, and says whether
        one does (so `add_all` asks once); None while the router knows that nobody does."""
        self._forward = forward

    def __repr__(self) -> str:
        return f"DeadLetters(count={self.count}, by_reason={self._by_reason})"
