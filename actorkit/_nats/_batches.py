"""Batches: what the writer takes off the queue (`Out` items) in one turn leaves as few
NATS messages.

Per message, nats-py costs each side more than actorkit does: a protocol line built and
parsed, a trip through the subscription's queue and task. So the tells and publishes the
writer finds queued for one subject leave together, as one NATS message carrying their
frames (`_frames.batch`), up to `BATCH_BYTES`. Nothing waits to fill a batch: a batch is
whatever queued up while the writer's last turn ran.

Order is kept per subject, and so per target actor: a request (ask, send) to a subject first
sends what is batched for that subject, then itself. Tells to a queue group are never
batched: NATS places each message on one member, and a batch would place all of its tells on
the same one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from nats.aio.msg import Msg

BATCH_BYTES = 64 * 1024
"""Largest batch payload (and never more than the server's `max_payload`): large enough that
the per-message cost vanishes, small enough not to hold up other subjects' messages."""


class Out:
    """One queued outbound message. `topic`: a publish, sent on the topics connection; any
    other target is one system or group whose reappearance is confirmed before a message
    buffered during an outage is sent to it."""

    __slots__ = (
        "batch",
        "buffered",
        "future",
        "message",
        "payload",
        "reply",
        "sent",
        "subject",
        "target",
        "topic",
    )

    def __init__(
        self,
        subject: str,
        payload: bytes,
        reply: str,
        message: object,
        target: str,
        topic: bool,
        future: asyncio.Future[Msg] | None,
        batch: bool = False,
    ) -> None:
        self.subject = subject
        self.payload = payload
        self.reply = reply
        self.message = message
        self.target = target
        self.topic = topic
        self.future = future
        self.batch = batch
        """May leave in one NATS message with others to its subject: a tell to an actor,
        or a publish."""
        self.buffered = False
        self.sent = False
        """A request handed to nats-py: once its deadline passes, its error says whether it
        may have been handled."""


Send = Callable[[list[Out]], "asyncio.Task[None] | None"]


class Run:
    """One turn of the writer: items in queue order, grouped by subject until `close`."""

    __slots__ = ("_batches", "_limit", "_send", "_sizes", "finishing")

    def __init__(self, send: Send, max_payload: int) -> None:
        self._send = send
        self._limit = min(BATCH_BYTES, max_payload) if max_payload > 0 else BATCH_BYTES
        self._batches: dict[str, list[Out]] = {}
        self._sizes: dict[str, int] = {}
        self.finishing: list[asyncio.Task[None]] = []
        """The publishes nats-py holds until its buffer is under its limit again: the writer
        waits for them before the next turn."""

    def add(self, item: Out) -> None:
        subject = item.subject
        if not item.batch:
            self._flush(subject)
            self._emit([item])
            return
        batch = self._batches.get(subject)
        size = len(item.payload) + 8  # the frame plus its share of the batch's framing
        if batch is not None and self._sizes[subject] + size <= self._limit:
            batch.append(item)
            self._sizes[subject] += size
            return
        self._flush(subject)
        self._batches[subject] = [item]
        self._sizes[subject] = size + 8

    def close(self) -> list[asyncio.Task[None]]:
        for subject in list(self._batches):
            self._flush(subject)
        return self.finishing

    def _flush(self, subject: str) -> None:
        batch = self._batches.pop(subject, None)
        if batch is not None:
            self._emit(batch)

    def _emit(self, items: list[Out]) -> None:
        finishing = self._send(items)
        if finishing is not None:
            self.finishing.append(finishing)
