"""Inbound: requests from other systems to exposed actors, and their publishes (`_topic_in`).

Every request is decoded and checked before anything local sees it; what is malformed,
not exposed or arrives during shutdown is refused with a dead letter (and an answer, when
the sender waits for one). A slow actor never holds up the subscription: an ask's answer
leaves from where it is set (`_reply`; `_eager.Steps` when it must wait for room), a send
waits in a task of its own. Tells, batches of them and asks are handled from nats-py's read
loop (`request_now`, through `_direct`); the rest in the subscription's callback
(`on_request`).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from typing import Any

import nats.errors
from msgspec import Raw
from nats.aio.msg import Msg

from .._errors import AskTimeout, MailboxFull, NotDelivered
from .._failure import key_failure
from .._ref import ActorRef
from .._wire import BadPayload, Incompatible
from ._core import Core
from ._eager import Steps, publish_now
from ._exposure import Exposure
from ._frames import (
    ASK,
    BATCH_HEAD,
    OK,
    PING,
    STOPPED,
    TELL,
    error_frame,
    frames_of,
    request_of,
)
from ._refusals import Refusals, refused_request
from ._reply import Answer, offer, ok_frame, refused_payload
from ._slow import dropping
from ._taken import Taken
from ._topic_in import route_publish, undeliverable

logger = logging.getLogger("actorkit")


class Inbound:
    """The subscriptions' handlers. `instance` tells this process apart in name claims."""

    def __init__(self, core: Core, exposure: Exposure) -> None:
        self._core = core
        self._exposure = exposure
        self.instance = secrets.token_hex(8)
        self.answering: set[asyncio.Task[None]] = set()
        self.asks = Steps()
        self.taken = Taken()
        self.refusals = Refusals(core)
        self.dropped = dropping(core, self._send_reply)  # what nats-py drops as a slow consumer
        self._answers: Answer = self.answer  # one bound method, not one per ask
        self._closed = False

    def request_now(self, msg: Msg, group: str | None = None) -> bool:
        """A tell, a batch of tells or an ask to an exposed actor, handled at once (from
        nats-py's read loop, `_direct`); False leaves the message to `on_request`."""
        core = self._core
        data = msg.data
        try:
            if data[:2] == BATCH_HEAD:  # `frames_of`'s test, written out: most are single
                frames = frames_of(data) or []
                core.received += 1
                self._tells(msg, frames, group)
                return True
            kind, path, body, timeout = request_of(msg.reply, core.codec.decode(data))
        except BadPayload:
            return False
        if kind != TELL and kind != ASK:
            return False
        ref = self._exposed(path, group)
        if ref is None:
            return False
        core.received += 1
        if kind == TELL:
            self._tell(ref, body)
            return True
        taken = self.taken
        taken.count += 1
        if not offer(ref, body, timeout, msg.reply, self._answers):  # then enqueued as it would
            if (full := taken.full(ref.path)) is not None:
                taken.answered()
                core.reject("mailbox_full", body, ref.path)
                self._send_reply(msg.reply, error_frame(full), ref)
            else:
                self.asks.start(taken.waiting(self._answer(ref, kind, body, timeout, msg.reply)))
        return True

    def close(self) -> None:
        """The transport stops: asks still waiting for their actor are not answered."""
        self._closed = True
        self.asks.close()

    async def on_request(self, msg: Msg, group: str | None = None) -> None:
        """Everything `request_now` left: pings, sends, refusals, bad payloads."""
        if self.request_now(msg, group):
            return
        answer = self._settle(msg, group)
        if answer is None:
            # A send waits for room under `asyncio.timeout`, which needs a task of its own;
            # let it enqueue before the next message of this subscription is handled, so a
            # remote send followed by a remote tell reaches the mailbox in that order.
            await asyncio.sleep(0)
        elif msg.reply:
            await self._respond(msg.reply, answer)

    def unanswered(self, msg: Msg, group: str | None = None) -> None:
        """A request still queued when its subscription's task ended (a departure that gave
        up on a server that stopped reading, a connection closing: `_direct`): settled as
        `on_request` would, a refusal counted as a dead letter, but not answered."""
        if not self.request_now(msg, group):
            self._settle(msg, group)

    def _settle(self, msg: Msg, group: str | None) -> list[Any] | None:
        """What `request_now` left, short of its answer: the frame to answer with, or None
        for a send, which a task of its own answers."""
        core = self._core
        core.received += 1
        try:
            frames_of(msg.data)  # a batch that does not decode (others were handled)
            kind, path, body, timeout = request_of(msg.reply, core.codec.decode(msg.data))
        except BadPayload as error:
            where = self.refusals.request(msg.data, msg.subject, group, error)
            if isinstance(error, Incompatible):
                return error_frame(refused_request(core.system_name, error, where))
            return error_frame(TypeError(str(error)))
        if kind == PING:
            return [OK, self.instance]
        ref = self._reach(path, group, body)
        if isinstance(ref, str):
            return [STOPPED, ref]
        if (full := self.taken.full(ref.path)) is not None:
            core.reject("mailbox_full", body, ref.path)
            return error_frame(full)
        task = self.taken.start(self._answer(ref, kind, body, timeout, msg.reply))
        self.answering.add(task)
        task.add_done_callback(self.answering.discard)
        return None

    def _tells(self, msg: Msg, frames: list[Raw], group: str | None) -> None:
        """A batch: tells only, each decoded on its own, so a frame this process cannot
        decode costs only itself."""
        core = self._core
        core.received += len(frames) - 1
        for frame in frames:
            try:
                kind, path, body, _ = request_of(msg.reply, core.codec.decode(frame))
                if kind != TELL:
                    raise BadPayload("a batch carries tells only")
            except BadPayload as error:
                self.refusals.request(frame, msg.subject, group, error)
                continue
            ref = self._reach(path, group, body)
            if not isinstance(ref, str):
                self._tell(ref, body)

    def _exposed(self, path: str, group: str | None) -> ActorRef | None:
        """The exposed actor a request is for, while this system accepts requests."""
        system = self._core.system
        ref = self._exposure.lookup(path, group)
        if ref is None or system is None or not system.accepting:
            return None
        if ref._cell.closed:  # `is_alive`, read per request
            self._exposure.unexpose(ref)
        return ref

    def _reach(self, path: str, group: str | None, body: Any) -> ActorRef | str:
        """The exposed actor a request is for, or why it is refused (counted, and kept as
        a dead letter)."""
        ref = self._exposed(path, group)
        if ref is not None:
            return ref
        core = self._core
        system = core.system
        # Shutting down, it refuses everything, what it no longer exposes (a group it left
        # while NATS still routed to it) included: "not exposed" would send a retry astray.
        stopping = system is None or not system.accepting
        exposed = stopping or self._exposure.lookup(path, group) is not None
        where = f"group {group}" if group is not None else path
        core.reject("shutdown" if exposed else "not_exposed", body, where)
        why = "is shutting down" if exposed else "is not exposed"
        return f"{core.system_name}:{where} {why}"

    def _tell(self, ref: ActorRef, body: Any) -> None:
        """A remote tell has no caller to raise to: what the local tell would raise (a full
        mailbox, a pool whose `hash_key` raised) is kept as a dead letter, as for a timer."""
        try:
            ref.tell(body)
        except MailboxFull:
            self._core.reject("mailbox_full", body, ref.path)
        except BaseException as error:  # raised out of nats-py's read loop, it would end it
            undeliverable(self._core, body, ref.path, key_failure(ref._cell, error))

    async def _answer(
        self, ref: ActorRef, kind: int, body: Any, timeout: float, reply: str
    ) -> None:
        try:
            frame = await self._outcome(ref, kind, body, timeout)
            await self._respond(reply, frame, ref)
        finally:
            self.taken.answered()

    async def _outcome(self, ref: ActorRef, kind: int, body: Any, timeout: float) -> list[Any]:
        try:
            if kind == ASK:
                result = await ref.ask(body, timeout=timeout)
            else:
                try:
                    async with asyncio.timeout(timeout):
                        await _send(ref, body)
                except TimeoutError:
                    raise AskTimeout(
                        f"{ref.path} had no room for the message within {timeout} s"
                    ) from None
                result = None
            return ok_frame(self._core, ref, result)
        except asyncio.CancelledError:
            raise  # the transport stops, as when it closes its `Steps` (a GeneratorExit)
        except BaseException as error:  # a handler's or `hash_key`'s (an exit: the owner's)
            if self._closed and isinstance(error, GeneratorExit):
                raise
            return error_frame(key_failure(ref._cell, error))

    def answer(self, ref: ActorRef, result: Any, error: BaseException | None, reply: str) -> None:
        """What `_answer` sends, sent on the turn that settles an ask `offer` queued."""
        self.taken.answered()  # whoever waits for it resumes later, once this reply is sent
        if self._closed:
            return
        try:  # this runs in the receive loop of the actor that answered: nothing may escape
            frame = ok_frame(self._core, ref, result) if error is None else error_frame(error)
        except Exception as failure:  # the user's code in the reply (a property) failed
            frame = error_frame(failure)
        self._send_reply(reply, frame, ref)

    def _send_reply(
        self, reply: str, frame: list[Any], what: str | ActorRef
    ) -> asyncio.Task[None] | None:
        """None once in nats-py's buffer or refused (logged: this runs in receive loops too),
        else the task waiting for nats-py's flusher, which the transport's stop cancels."""
        core = self._core
        try:
            try:
                payload = core.encode(frame, what)
            except (TypeError, ValueError) as error:
                payload = refused_payload(core, error, frame)
            nc = core.link.nc  # `Link.connection`, written out: read once per reply
            finishing = publish_now(core.link.connection if nc is None else nc, reply, payload)
        except (nats.errors.Error, ValueError) as refused:  # ValueError: over `max_payload`
            logger.info("%s could not send a reply: %r", core.system_name, refused)
            return None
        except Exception:
            logger.exception("%s could not send a reply", core.system_name)
            return None
        if finishing is not None:
            self.answering.add(finishing)
            finishing.add_done_callback(self._sent)
        return finishing

    def _sent(self, finishing: asyncio.Task[None]) -> None:
        self.answering.discard(finishing)
        if not finishing.cancelled() and (error := finishing.exception()) is not None:
            logger.info("%s could not send a reply: %r", self._core.system_name, error)

    async def _respond(
        self, reply: str, frame: list[Any], what: str | ActorRef = "the reply"
    ) -> None:
        finishing = self._send_reply(reply, frame, what)  # then nats-py's back-pressure
        if finishing is not None:
            await asyncio.wait((finishing,))

    async def on_topic(self, msg: Msg) -> None:
        self.topic_now(msg)

    def topic_now(self, msg: Msg) -> bool:
        """A publish (or a batch of them) from another system, routed to local subscribers."""
        return route_publish(self._core, self.refusals, msg)


async def _send(ref: ActorRef, body: Any) -> None:
    """`ref.send(body)`, but one whose plain actor closed its mailbox on it while it waited
    for room raises: `ref.send` returns then too (a dead letter), which reads as "took it"."""
    if type(ref) is not ActorRef:
        await ref.send(body)
        return
    mailbox = ref._mailbox
    if mailbox.offer(body) or await mailbox.put(body):
        return
    cell = ref._cell
    cell.runtime.dead_letters.add(body, cell.path, cell.runtime.stop_reason)
    raise NotDelivered(f"{cell.path} stopped before its mailbox took the message")
