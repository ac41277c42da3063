"""Asks and acknowledged sends to other systems: request out through the outbox, reply back
on this system's own inbox, with the local semantics of timeouts and failures."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from typing import Any

from nats.aio.client import Client
from nats.aio.msg import Msg

from .._clock import AskDeadlines, SystemClock
from .._envelope import Ask, ask_envelope
from .._errors import ActorStopped, AskTimeout, NotDelivered
from .._seconds import FOREVER, check_seconds
from .._wire import BadPayload, Incompatible
from ._batches import Out
from ._core import Core
from ._direct import subscribe
from ._eager import publish_now
from ._frames import ASK, ERROR, OK, SEND, STOPPED, rebuild_error
from ._outbound import Outbox
from ._refusals import refused_reply

_NO_RESPONDERS = "503"


def remote_advice(replies: str) -> str:
    """A system that is not connected at all is answered at once ("no responders"); silence
    means its process took the request and then said nothing, for one of these reasons. The
    last one only the serving system hears of (`_refused_publish`): the server tells the
    connection that published, and a request names no way back but the refused subject."""
    return (
        "either its handler is slower than that (raise the ask's timeout or make the handler "
        "faster), the process serving it stopped answering (frozen, cut off, or gone before "
        f"NATS noticed: check that it runs), or its NATS user may not publish to {replies} "
        "(the server refused the reply: that system logs a permissions violation)"
    )


class _Unsent(Exception):
    """The request's deadline passed before it left the outbound queue: `request` makes it
    the `AskTimeout` it is, in words that blame neither the target nor its handler."""


class Requests:
    """The replies awaited, by the token that ends their reply subject."""

    def __init__(self, core: Core, outbox: Outbox) -> None:
        self._core = core
        self._outbox = outbox
        self._replies: dict[str, asyncio.Future[Msg]] = {}
        self._deadlines = AskDeadlines(SystemClock(), remote_advice("_INBOX.>"))
        """The runtime's ask-timeout buckets (one loop timer for all of them, not one per
        ask), on the loop's own time like the rest of the transport; their advice names
        nats-py's default inbox prefix until `listen` learns the connection's."""
        self._tokens = itertools.count()
        self._inbox = ""

    async def listen(self, nc: Client) -> None:
        self._inbox = nc.new_inbox()
        self._deadlines.advice = remote_advice(self.replies)
        await subscribe(nc, f"{self._inbox}.*", self._reply_now, self._on_reply)

    @property
    def replies(self) -> str:
        """The subjects replies come on (nats-py's inbox prefix), as a permission names them."""
        return f"{self._inbox.rpartition('.')[0]}.>"

    def sent(self) -> Iterator[Ask]:
        """The requests handed to nats-py and still waiting, in the order they left for each
        subject: the order they were made in, a queued one from when it was queued, as none
        goes out directly while one is queued (`Outbox.direct`), and the queue keeps each
        subject's order."""
        asks: dict[object, Ask] = {ask.future: ask for ask in self._deadlines.asks()}
        queued = self._outbox.queued_requests()
        for future in self._replies.values():
            ask = asks.get(future)
            if ask is not None and not future.done() and future not in queued:
                yield ask

    def _reply_now(self, msg: Msg) -> bool:
        future = self._replies.pop(msg.subject[len(self._inbox) + 1 :], None)
        if future is not None and not future.done():
            future.set_result(msg)
        return True

    async def _on_reply(self, msg: Msg) -> None:
        self._reply_now(msg)

    def fail(self, why: str) -> None:
        """The link is lost: requests still in the outbox certainly were not handled (nats-py
        never had them); the others may have been, nats-py sending its buffer after a
        reconnect too."""
        self._outbox.fail_queued("lost the connection to NATS before it left the outbound queue")
        replies, self._replies = self._replies, {}
        for future in replies.values():
            if not future.done():
                future.set_exception(ActorStopped(why))

    def close(self, why: str) -> None:
        """For good: waiting requests fail, and no deadline timer stays on the loop."""
        self.fail(why)
        self._deadlines.close(why)

    async def request(
        self, subject: str, kind: int, path: str, target: str, message: object, timeout: float
    ) -> Any:
        """An ask or an acknowledged send: fails at once while disconnected or shutting down
        (nothing sent, so retrying is safe), `AskTimeout` after `timeout`, `ActorStopped`
        when no system answers for the target."""
        core = self._core
        if not ((type(timeout) is float or type(timeout) is int) and 0.0 < timeout < FOREVER):
            timeout = check_seconds(timeout, f"{'ask' if kind == ASK else 'send'} timeout")
        payload = core.encode([kind, path, core.codec.wire(message), timeout])
        link = core.link
        if not (link.sending and self._inbox):  # `stop()` closes the deadlines and queue
            core.asks["stopped"] += 1
            what = "ask" if kind == ASK else "send"
            raise NotDelivered(f"{self._refusal()}: the {what} to {target} was not sent")
        token = str(next(self._tokens))
        future: asyncio.Future[Msg] = asyncio.get_running_loop().create_future()
        envelope = ask_envelope(message, future, target, timeout)  # type: ignore[arg-type]
        bucket = self._deadlines.bucket_for(timeout)
        bucket[envelope] = None
        try:
            result = await self._exchange(subject, payload, token, envelope, not path)
        except _Unsent as unsent:
            core.asks["timeout"] += 1
            raise AskTimeout(str(unsent)) from None
        except AskTimeout as error:
            core.asks["timeout"] += 1
            if kind == SEND:
                raise AskTimeout(f"{error} (the send may still be delivered)") from None
            raise
        except ActorStopped:
            core.asks["stopped"] += 1
            raise
        except asyncio.CancelledError:  # its caller gave up on it: no failure of the target
            core.asks[self._answered(future, target, not path)] += 1
            raise
        except BaseException:
            core.asks["error"] += 1
            raise
        finally:
            bucket.pop(envelope, None)
            self._replies.pop(token, None)
            if not future.done():
                future.cancel()
        core.asks["ok"] += 1
        return result

    def _refusal(self) -> str:
        """Why no request leaves now: the link's reason, or a start that has connected but
        not yet subscribed for replies (a request then would name no inbox to answer)."""
        link = self._core.link
        if link.sending:
            return (
                "the NATS transport is still starting (its replies' subscription is not in place)"
            )
        return link.refusal()

    def _answered(self, future: asyncio.Future[Msg], target: str, group: bool) -> str:
        """What a cancelled request counts as: `cancelled`, unless its reply had come, which
        counts as what it said, as a local ask's reply or error set before its asker was
        cancelled does."""
        if not future.done() or future.cancelled():
            return "cancelled"
        try:
            self._answer_of(future.result(), target, group)
        except ActorStopped:
            return "stopped"
        except Exception:
            return "error"
        return "ok"

    async def _exchange(
        self, subject: str, payload: bytes, token: str, envelope: Ask, group: bool
    ) -> Any:
        """Out at once from this task when nothing is queued ahead (so order is kept), else
        through the outbox (`_queued`)."""
        future: asyncio.Future[Msg] = envelope.future  # type: ignore[assignment]
        reply = f"{self._inbox}.{token}"
        nc = self._outbox.direct()
        if nc is not None:
            self._replies[token] = future
            try:
                finishing = publish_now(nc, subject, payload, reply)
            except Exception as error:  # nats-py refused it: nothing was sent
                raise NotDelivered(
                    f"the NATS client refused it ({error!r}); {envelope.target} was not sent"
                ) from None
            self._core.sent += 1
            if finishing is not None:  # nats-py's buffer is full: wait for its flusher
                await self._flushed_or_end(finishing, future, envelope.target)
        else:
            item = Out(subject, payload, reply, envelope.message, envelope.target, False, future)
            await self._queued(item, token, envelope)
        return self._answer_of(await future, envelope.target, group)

    async def _queued(self, item: Out, token: str, envelope: Ask) -> None:
        """Through the outbox, waiting for room there like at a full mailbox, until the
        reply. A deadline passing before the request left the queue is `_Unsent`."""
        future: asyncio.Future[Msg] = envelope.future  # type: ignore[assignment]
        queued = False
        try:
            while not self._outbox.enqueue(item):
                await self._room_or_end(future)
            queued = True
            self._replies[token] = future  # queued: from now on a lost link fails it
            await future
        except AskTimeout:
            if item.sent:
                raise  # its fate is unknown
            why = (
                "held behind messages to the same target until it answers again after an "
                "outage (within buffer_timeout), or while nats-py flushed a full buffer"
                if queued
                else "waiting for room in the outbound buffer, full at max_buffered "
                f"({self._outbox.max_buffered} messages)"
            )
            raise _Unsent(
                f"no reply from {envelope.target} within {envelope.timeout}s: it never left "
                f"this system's outbound queue, so it was not handled ({why})"
            ) from None

    async def _flushed_or_end(
        self, finishing: asyncio.Task[None], future: asyncio.Future[Msg], target: str
    ) -> None:
        """Wait for nats-py's flusher (its back-pressure), or for the request to end first
        (its deadline, its reply, a lost connection): the flush may wait on a server that
        does not read, for as long as nats-py takes to call the connection stale."""
        try:
            await asyncio.wait((finishing, future), return_when=asyncio.FIRST_COMPLETED)
        finally:
            flushed = finishing.done()
            finishing.cancel()  # the message is in nats-py's buffer: only the wait ends
        if flushed and not finishing.cancelled() and (error := finishing.exception()):
            raise ActorStopped(
                f"the NATS client failed while sending it ({error!r}); {target} may or may "
                "not have got it"
            ) from error

    async def _room_or_end(self, future: asyncio.Future[Msg]) -> None:
        """Wait for room in a full outbox, or for the request to end first (its deadline, a
        lost connection). The link is checked here, in the step that queues the request
        again: a final close landing just after the wait for room ended empties the queue,
        room where nothing would ever send the request nor fail it."""
        room = asyncio.ensure_future(self._outbox.wait_for_room())
        try:
            await asyncio.wait((room, future), return_when=asyncio.FIRST_COMPLETED)
        finally:
            room.cancel()
        link = self._core.link
        if not link.sending:
            raise NotDelivered(f"{link.refusal()}; the outbound buffer was full")
        if future.done():
            future.result()

    def _answer_of(self, reply: Msg, target: str, group: bool) -> Any:
        headers = reply.headers
        if headers and headers.get("Status") == _NO_RESPONDERS and not reply.data:
            raise NotDelivered(
                f"nobody answers for {target}: "
                + (
                    "no member of that group is exposed by a system connected to NATS"
                    if group
                    else "that system is not connected to NATS"
                )
            )
        try:
            frame = self._core.codec.decode(reply.data)
            status = frame[0]
            if status == OK and len(frame) == 2:
                return frame[1]
            if status == STOPPED and len(frame) == 2 and isinstance(frame[1], str):
                raise NotDelivered(frame[1])  # refused unseen by any actor (`_frames`)
            if status == ERROR and len(frame) == 4:
                error = rebuild_error(frame[1], frame[2], frame[3])
                error.add_note(f"raised by {target}, across NATS")
                raise error
            raise BadPayload("unknown reply")
        except Incompatible as error:
            self._core.reject("incompatible", bytes(reply.data[:256]), target)
            raise refused_reply(target, error) from None
        except BadPayload as error:
            self._core.reject("bad_payload", bytes(reply.data[:256]), target)
            raise TypeError(f"the reply from {target} could not be decoded: {error}") from None
