"""Outbound buffering: one ordered queue and one writer task for everything this system sends.

`tell` is a plain call that cannot await the client; the queue keeps a tell and a later ask
to the same actor in order, and it is the bounded buffer that holds tells while NATS is
unreachable. After an outage, what was buffered for a target waits until the target
answers a probe again, or becomes dead letters `unreachable`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import reprlib
from collections import deque
from functools import partial
from typing import TYPE_CHECKING

from nats.aio.client import Client

from .._errors import ActorStopped, MailboxFull, NotDelivered
from .._topics import validate_topic
from ._batches import Out, Run
from ._core import Core
from ._eager import publish_now
from ._frames import TELL, batch
from ._probes import Probes

if TYPE_CHECKING:
    from .._dead_letters import TransportReason

logger = logging.getLogger("actorkit")

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
        self._wake = asyncio.Event()
        self._room = asyncio.Event()
        self._room_waiters = 0
        self._drained = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self._stopped = False

    def __len__(self) -> int:
        return len(self._out)

    def wake(self) -> None:
        self._wake.set()

    def outage(self) -> None:
        """The link dropped: what is queued now waits for its target to answer again, and a
        request waiting for room fails at once, as a new one would."""
        for item in self._out:
            item.buffered = True
        self._room.set()

    def close(self, reason: TransportReason, why: str) -> None:
        """Nothing will be sent any more (stopped, or the connection closed for good): what
        is queued becomes dead letters `reason`, requests fail, and senders waiting for room
        or for the queue to drain (`flush`, which the writer asleep would never wake) go on."""
        for item in self._out:
            self._give_up(item, reason, why)
        self._out.clear()
        self._room.set()
        self._drained.set()

    def fail_queued(self, why: str) -> None:
        """Requests still queued fail with `NotDelivered` (the writer then skips them);
        tells and publishes stay, buffered for the link's return."""
        for item in self._out:
            if item.future is not None:
                self._not_sent(item, why)

    def direct(self) -> Client | None:
        """The requests' connection when a message may skip the queue, because nothing is
        queued ahead of it and the link is up; else None."""
        link = self._link
        if self._out or link.stopping or link.closed:
            return None
        nc = link.nc
        return nc if nc is not None and nc.is_connected else None

    def enqueue(self, item: Out) -> bool:
        if len(self._out) >= self.max_buffered:
            return False
        item.buffered = not self._link.connected
        self._out.append(item)
        self._wake.set()
        return True

    async def wait_for_room(self) -> None:
        """Return once woken, or at once when there is room or no request may leave: the
        writer wakes waiters after each turn, room made or not, as do an outage, a final close
        and the stop. The asker decides which it was in the step that queues its request
        (`Requests._room_or_end`), since this task ends a turn or two before that step."""
        if self._link.sending and len(self._out) >= self.max_buffered:
            self._room_waiters += 1
            try:
                self._room.clear()
                await self._room.wait()
            finally:
                self._room_waiters -= 1

    async def wait_drained(self) -> None:
        while self._out:
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
            if send and self._link.connected and self._out:
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
                await asyncio.gather(*finishing, return_exceptions=True)  # see `_flushed`
                continue
            if not out:
                self._drained.set()
            self._wake.clear()
            if waiting and self._link.connection.is_connected:
                self._probes.start_all(i.subject for i in out if i.buffered and not i.topic)
                for subject in await self._probes.answers(waiting, self._wake):
                    self._drop_buffered(subject)
            else:
                await self._wake.wait()

    def _write_run(self) -> tuple[list[asyncio.Task[None]], set[str]]:
        """Hand what is queued to nats-py, in batches, until a message must wait for its
        connection or nats-py's buffer is full. A target that must answer a probe first holds
        back only its own messages (`waiting`), never the others' for its `buffer_timeout`."""
        out = self._out
        confirmed = self._probes.confirmed
        run = Run(self._send, self._link.connection.max_payload)
        held: list[Out] = []
        waiting: set[str] = set()
        while out and not run.finishing:
            item = out[0]
            if item.future is not None and item.future.done():
                out.popleft()
                continue
            subject = item.subject
            if subject in waiting or (
                item.buffered and not item.topic and subject not in confirmed
            ):
                waiting.add(subject)
                held.append(out.popleft())
                continue
            if not self._connection(item).is_connected:
                break
            run.add(out.popleft())
        out.extendleft(reversed(held))
        return run.close(), waiting

    def _connection(self, item: Out) -> Client:
        topics = self._link.topics
        return topics if item.topic and topics is not None else self._link.connection

    def _send(self, items: list[Out]) -> asyncio.Task[None] | None:
        first = items[0]
        payload = first.payload if len(items) == 1 else batch([item.payload for item in items])
        try:
            finishing = publish_now(self._connection(first), first.subject, payload, first.reply)
        except Exception as error:  # the writer outlives any one message
            logger.warning(
                "%s could not send to %s: %r", self._link.system_name, first.target, error
            )
            for item in items:
                self._give_up(item, "send_failed", f"the NATS client refused it ({error!r})")
            return None
        self._core.sent += len(items)
        if finishing is not None:
            finishing.add_done_callback(partial(self._flushed, items))
        return finishing

    def _flushed(self, items: list[Out], finishing: asyncio.Task[None]) -> None:
        """A publish nats-py held for its flusher failed there: the writer carries on, and
        what it carried is given up on, as when the client refuses a publish outright."""
        if finishing.cancelled() or (error := finishing.exception()) is None:
            return
        logger.warning(
            "%s could not send to %s: %r", self._link.system_name, items[0].target, error
        )
        self._core.sent -= len(items)
        for item in items:
            if item.future is None:
                self._core.reject("send_failed", item.message, item.target)
            elif not item.future.done():
                item.future.set_exception(
                    ActorStopped(
                        f"the NATS client failed while sending it ({error!r}); "
                        f"{item.target} may or may not have got it"
                    )
                )

    def _drop_buffered(self, subject: str) -> None:
        kept: deque[Out] = deque()
        for item in self._out:
            if item.buffered and item.subject == subject:
                self._give_up(item, "unreachable", f"{item.target} did not answer in time")
            else:
                kept.append(item)
        self._out.clear()
        self._out.extend(kept)
        self._room.set()

    def _give_up(self, item: Out, reason: TransportReason, why: str) -> None:
        """A request's caller is told (`NotDelivered`: it was not sent, so a retry is safe);
        anything else becomes a dead letter, counted by reason."""
        if item.future is None:
            self._core.reject(reason, item.message, item.target)
        else:
            self._not_sent(item, why)

    def _not_sent(self, item: Out, why: str) -> None:
        future = item.future
        if future is not None and not future.done():
            future.set_exception(NotDelivered(f"{why}; {item.target} was not sent"))
