"""Outbound buffering: one ordered queue and one writer task for everything this system sends.

`tell` is a plain call that cannot await the client; the queue keeps a tell and a later ask
to the same actor in order, and it is the bounded buffer that holds tells while NATS is
unreachable. After an outage, what was buffered for a target waits until the target
answers a probe again, or becomes dead letters `unreachable`. What meets its connection
down waits aside (`_parked`), so that the other connection's messages go on.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import reprlib
from collections import deque
from typing import TYPE_CHECKING

from nats.aio.client import Client
from nats.aio.msg import Msg

from .._errors import MailboxFull
from .._topic_names import validate_topic
from ._batches import Out, Run
from ._core import Core
from ._frames import TELL
from ._handoff import Handoff, give_up, not_sent
from ._parked import Parked
from ._probes import Probes

if TYPE_CHECKING:
    from .._dead_letters import TransportReason

MAX_SUBJECT = 4000
"""Bytes of a publish's subject: with `PUB `, the payload's size and CRLF, within the 4096
bytes of a NATS server's default `max_control_line`."""


class Outbox:
    """The queue, its writer, and the waits on it: for room (a remote `send` or `ask` on a
    full buffer waits, as on a full mailbox) and for it to drain (`flush`, `stop`)."""

    def __init__(self, core: Core, probes: Probes, max_buffered: int) -> None:
        self._core = core
        self._link = core.link
        self._probes = probes
        self.max_buffered = max_buffered
        self._out: deque[Out] = deque()
        self._parked = Parked()
        self._publishes = 0
        """Publishes queued (parked or not): they have `max_buffered` of room of their own,
        so that a topics connection down for long takes none from the requests."""
        self._handoff = Handoff(core)
        self._wake = asyncio.Event()
        self._room = asyncio.Event()
        self._room_waiters = 0
        self._drained = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self._stopped = False

    def __len__(self) -> int:
        return len(self._out) + len(self._parked)

    def _full(self, topic: bool) -> bool:
        queued = self._publishes if topic else len(self) - self._publishes
        return queued >= self.max_buffered

    def wake(self) -> None:
        self._wake.set()

    def outage(self) -> None:
        """The link dropped: what is queued now waits for its target to answer again, and a
        request waiting for room fails at once, as a new one would."""
        for queued in (self._out, self._parked):
            for item in queued:
                item.buffered = True
        self._room.set()

    def close(self, reason: TransportReason, why: str) -> None:
        """Nothing will be sent any more (stopped, or the connection closed for good): what
        is queued becomes dead letters `reason`, requests fail, and senders waiting for room
        or for the queue to drain (`flush`, which the writer asleep would never wake) go on."""
        for queued in (self._out, self._parked):
            for item in queued:
                give_up(self._core, item, reason, why)
        self._out.clear()
        self._parked.clear()
        self._publishes = 0
        self._room.set()
        self._drained.set()

    def fail_queued(self, why: str) -> None:
        """Requests still queued fail with `NotDelivered` (the writer then skips them);
        tells and publishes stay, buffered for the link's return."""
        for queued in (self._out, self._parked.requests):
            for item in queued:
                if item.future is not None:
                    not_sent(item, why)
        self._parked.drop_ended()

    def queued_requests(self) -> set[asyncio.Future[Msg]]:
        """The requests not yet handed to nats-py: the server has seen none of them."""
        queued = itertools.chain(self._out, self._parked.requests)
        return {item.future for item in queued if item.future is not None}

    def direct(self) -> Client | None:
        """The requests' connection when a message may skip the queue, because nothing is
        queued ahead of it and the link is up; else None. Publishes waiting for the topics
        connection are not ahead of it: there is no order between the two connections."""
        link = self._link
        if self._out or self._parked.requests or link.stopping or link.closed:
            return None
        nc = link.nc
        return nc if nc is not None and nc.is_connected else None

    def enqueue(self, item: Out) -> bool:
        if self._full(item.topic):
            return False
        self._publishes += item.topic
        item.buffered = not self._link.connected
        self._out.append(item)
        self._wake.set()
        return True

    async def wait_for_room(self) -> None:
        """Return once woken, or at once when there is room or no request may leave: the
        writer wakes waiters after each turn, room made or not, as do an outage, a final close
        and the stop. The asker decides which it was in the step that queues its request
        (`Requests._room_or_end`), since this task ends a turn or two before that step."""
        if self._link.sending and self._full(False):
            self._room_waiters += 1
            try:
                self._room.clear()
                await self._room.wait()
            finally:
                self._room_waiters -= 1

    async def wait_drained(self) -> None:
        while len(self):
            self._drained.clear()
            await self._drained.wait()

    def _refused_closed(self, message: object, target: str) -> bool:
        """Once `stop()` gave up on the queue (or after a failed start) nothing is queued:
        what is sent becomes a dead letter `shutdown`, `transport_closed` once closed."""
        link = self._link
        if link.closed or link.nc is None or self._stopped:
            self._core.reject("transport_closed" if link.closed else "shutdown", message, target)
            return True
        return False

    def publish(self, topic: str, message: object) -> None:
        """Forward a local publish to the other systems (encoding now, so an unregistered
        type raises TypeError before anything is delivered anywhere)."""
        validate_topic(topic)
        core = self._core
        subject = core.topic_prefix + topic
        if len(subject) > MAX_SUBJECT // 4 and len(subject.encode()) > MAX_SUBJECT:
            raise ValueError(
                f"topic {reprlib.repr(topic)} is too long for NATS: its subject is "
                f"{len(subject.encode()):,} bytes of UTF-8, and a NATS server closes the "
                f"connection of a client whose subject is over about 4 KiB (its protocol line): "
                f"keep it to {MAX_SUBJECT:,} bytes with the prefix, the rest in the message"
            )
        payload = core.encode([core.codec.wire(message)])
        if self._refused_closed(message, f"topic {topic}"):
            return
        item = Out(subject, payload, "", message, topic, True, None, True)
        if not self.enqueue(item):
            core.reject("buffer_full", message, f"topic {topic}")

    def tell(self, subject: str, path: str, target: str, message: object) -> None:
        """Queue for NATS without waiting; `MailboxFull` when the buffer is full."""
        core = self._core
        payload = core.encode([TELL, path, core.codec.wire(message), None])
        if self._refused_closed(message, target):
            return
        if not self.enqueue(Out(subject, payload, "", message, target, False, None, bool(path))):
            core.rejected["buffer_full"] += 1
            full = f"the NATS transport's outbound buffer is full ({self.max_buffered} messages"
            if self._link.connected:
                raise MailboxFull(
                    f"{full}; connected): {target} did not get the tell; use "
                    "`await ref.send(msg)` to wait, or raise NatsTransport(max_buffered=...)"
                )
            raise MailboxFull(  # a send or an ask fails at once while disconnected
                f"{full}; NATS is unreachable): {target} did not get the tell; tell it again "
                "once `transport.link_up` is set, or raise NatsTransport(max_buffered=...) to "
                "hold more during an outage"
            )

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._writer = loop.create_task(self._write_loop())

    async def stop(self, send: bool) -> None:
        """Send what is queued (while connected, within a second, if `send`); what is left
        becomes dead letters `shutdown`, requests still queued fail with `NotDelivered`: also
        when the stop is cancelled in that second, and the writer ends either way."""
        try:
            if send and self._link.connected and len(self):
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(1.0):
                        await self.wait_drained()
        finally:
            if self._writer is not None:
                self._writer.cancel()
                await asyncio.gather(self._writer, return_exceptions=True)
            self._probes.reset()
            self._stopped = True
            self.close("shutdown", "the actor system shut down")

    async def _write_loop(self) -> None:
        out = self._out
        while True:
            finishing, waiting = self._write_run()
            if self._room_waiters:
                self._room.set()
            if finishing:  # nats-py's buffer is over its limit: let it flush
                await asyncio.gather(*finishing, return_exceptions=True)  # see `Handoff._flushed`
                continue
            if not len(self):
                self._drained.set()
            self._wake.clear()
            if waiting and self._link.connection.is_connected:
                self._probes.start_all(i.subject for i in out if i.buffered and not i.topic)
                for subject in await self._probes.answers(waiting, self._wake):
                    self._drop_buffered(subject)
            else:
                await self._wake.wait()

    def _write_run(self) -> tuple[list[asyncio.Task[None]], set[str]]:
        """Hand what is queued to nats-py, in batches, until nats-py's buffer is full. A
        message whose connection is down is parked until it is back, and a target that must
        answer a probe first holds back only its own messages (`waiting`): neither holds up
        the others' (nor for a `buffer_timeout`)."""
        out = self._out
        confirmed = self._probes.confirmed
        link = self._link
        requests_up = link.connection.is_connected
        topics_up = requests_up if link.topics is None else link.topics.is_connected
        self._parked.unpark(out, requests_up, topics_up)
        run = Run(self._handoff.send, link.connection.max_payload)
        held: list[Out] = []
        waiting: set[str] = set()
        while out and not run.finishing:
            item = out[0]
            if item.future is not None and item.future.done():
                out.popleft()
                continue
            subject = item.subject
            if subject in waiting:
                held.append(out.popleft())
            elif not (topics_up if item.topic else requests_up):
                self._parked.park(out.popleft())
            elif item.buffered and not item.topic and subject not in confirmed:
                waiting.add(subject)
                held.append(out.popleft())
            else:
                self._publishes -= item.topic
                run.add(out.popleft())
        out.extendleft(reversed(held))
        return run.close(), waiting

    def _drop_buffered(self, subject: str) -> None:
        """Given up on: silent for `buffer_timeout`, or its ping refused by the server."""
        kept: deque[Out] = deque()
        refused = self._probes.refused.get(subject)
        for item in self._out:
            if item.buffered and item.subject == subject and refused is not None:
                give_up(self._core, item, "send_failed", refused)
            elif item.buffered and item.subject == subject:
                give_up(self._core, item, "unreachable", f"{item.target} did not answer in time")
            else:
                kept.append(item)
        self._out.clear()
        self._out.extend(kept)
        self._room.set()
