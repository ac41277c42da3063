"""Messages handled in nats-py's read loop, without a trip through the subscription's task.

nats-py hands each message of a callback subscription to an `asyncio.Queue` that the
subscription's own task reads, so every message costs a queue put and get and a wake-up of
that task before its callback runs. Most of what the transport receives needs no task: a
reply resolves a future, a tell or a batch of them is enqueued, an ask starts its answer
(`_eager.Steps`), a publish is routed. `Direct` takes the queue's place on the subscription:
nats-py's `put_nowait` runs the synchronous handler at once when it takes the message, and
puts it in the real queue for the callback otherwise (a send, a ping, a refusal to answer).
While any message is on that slower path, the ones after it follow it there: order is kept.
What is still queued when the subscription's task ends (a departure, a connection closing)
never reaches the callback: `Settle` takes each, so none is lost without a word. Nor is what
nats-py drops as a slow consumer (that queue full): `Direct` checks nats-py's limits itself,
where the message is at hand, and hands each such message to `drop` before nats-py drops it.

This reaches into nats-py's `Subscription` (its `_pending_queue`, `_pending_size`,
`_pending_bytes_limit`, `_cb` and `_wait_for_msgs_task`), which it offers no public way to
do. `install` checks that they are what this module expects and otherwise leaves the
subscription as it is: slower, never wrong.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from ._round_trip import Dropped, round_trip

logger = logging.getLogger("actorkit")

Now = Callable[[Msg], bool]
"""Handles a message at once and returns True, or returns False to leave it to `Later`."""
Later = Callable[[Msg], Awaitable[None]]
Settle = Callable[[Msg], object]
"""Settles a message the callback will never see, without answering it."""


class Direct:
    """Stands in for a subscription's pending queue; everything but `put_nowait` is the real
    queue's (the subscription's task still reads it), `asyncio.Queue`'s public API."""

    __slots__ = ("_bytes", "_drop", "_later", "_now", "_queue", "_settle", "_sub", "slow")

    def __init__(self, now: Now, later: Later, settle: Settle, drop: Settle | None = None) -> None:
        self._now = now
        self._later = later
        self._settle = settle
        self._drop = drop
        self._bytes = 0
        """nats-py's `pending_bytes_limit` for the subscription, checked here instead."""
        self._queue: asyncio.Queue[Msg]  # set by `install`, before nats-py can call us
        self._sub: Subscription
        self.slow = 0
        """Messages put in the real queue and not yet handled by the callback."""

    def install(self, sub: Subscription) -> bool:
        queue = getattr(sub, "_pending_queue", None)
        task = getattr(sub, "_wait_for_msgs_task", None)
        if (
            type(queue) is not asyncio.Queue
            or not isinstance(getattr(sub, "_pending_size", None), int)
            or not isinstance(getattr(sub, "_pending_bytes_limit", None), int)
            or not isinstance(task, asyncio.Future)
        ):
            return False
        self._queue, self._sub, self.slow = queue, sub, queue.qsize()
        self._bytes, sub._pending_bytes_limit = sub._pending_bytes_limit, 0  # noqa: SLF001
        sub._pending_queue = self  # type: ignore[assignment]  # noqa: SLF001
        task.add_done_callback(self._abandon)
        return True

    def put_nowait(self, msg: Msg) -> None:
        if not self.slow and _handled(self._now, msg):
            self._sub._pending_size -= len(msg.data)  # noqa: SLF001  # as its task would
            return
        if self._queue.full() or 0 < self._bytes <= self._sub._pending_size:  # noqa: SLF001
            if self._drop is not None:
                _handled(self._drop, msg)
            raise asyncio.QueueFull  # nats-py takes its bytes back and reports a slow consumer
        self._queue.put_nowait(msg)
        self.slow += 1

    async def later(self, msg: Msg) -> None:
        """The subscription's callback, for what took the slower path. An answer waiting
        for nats-py's flusher swallows the cancellation of the subscription's task (as it
        is forgotten, or its connection closes): it is raised again here, or that task
        would wait for its next message for ever."""
        try:
            await self._later(msg)
        finally:
            self.slow = max(0, self.slow - 1)
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise asyncio.CancelledError

    def _abandon(self, _: asyncio.Future[None]) -> None:
        """The subscription's task ended: what is queued is settled without its answer."""
        queue = self._queue
        while not queue.empty():
            msg = queue.get_nowait()
            queue.task_done()
            _handled(self._settle, msg)
        self.slow = 0

    # The rest of `asyncio.Queue`'s API, the real queue's. Written out, not forwarded by a
    # `__getattr__`: a class with one reads every attribute through it, which keeps Python
    # from specializing the attribute reads of `put_nowait`, run for every message.
    @property
    def maxsize(self) -> int:
        return self._queue.maxsize

    def qsize(self) -> int:
        return self._queue.qsize()

    def empty(self) -> bool:
        return self._queue.empty()

    def full(self) -> bool:
        return self._queue.full()

    def get_nowait(self) -> Msg:
        return self._queue.get_nowait()

    def task_done(self) -> None:
        self._queue.task_done()

    def put(self, msg: Msg) -> Coroutine[Any, Any, None]:
        return self._queue.put(msg)

    def get(self) -> Coroutine[Any, Any, Msg]:
        return self._queue.get()

    def join(self) -> Coroutine[Any, Any, None]:
        return self._queue.join()

    if sys.version_info >= (3, 13):

        def shutdown(self, immediate: bool = False) -> None:
            self._queue.shutdown(immediate)


async def leave(
    nc: Client, sub: Subscription, timeout: float, shut: asyncio.Event, down: asyncio.Event
) -> None:
    """Unsubscribe without losing what the server routed here before it heard of it.
    nats-py's `unsubscribe` forgets the subscription at once, so what arrives during the
    round trip is dropped without a word (an ask waits for its timeout, a tell is gone), and
    its `drain` can take the answer to a PING it wrote ahead of the UNSUB. So: the UNSUB, a
    full round trip (`round_trip`), the callback's queue handled, and only then forget it.

    All of it within `timeout`: the callback answers what it handles, and once nats-py's
    buffer is over its limit that answer waits for the flusher with no bound of its own,
    which a server that stopped reading never lets end. What is still queued then is
    settled without an answer as the subscription's task ends (`Direct`). `shut`, set as
    `nc` closes, ends the round trip at once: nats-py's close leaves its PONG pending. So
    does `down`, set as it drops: the server forgot the subscription with the connection,
    what it routed here before is handled, and the reconnection must not subscribe again.

    With nats-py's buffer over its limit, any command waits for that same flush: the
    subscription stays then, refusing what reaches it, until the connection closes."""
    if _full(nc):
        return
    try:
        async with asyncio.timeout(timeout):
            await nc._send_unsubscribe(sub._id)  # noqa: SLF001
            with contextlib.suppress(Dropped):
                await round_trip(nc, timeout, shut, down)
            await sub._pending_queue.join()  # noqa: SLF001
    finally:
        if not _full(nc):
            await sub.unsubscribe()  # a second UNSUB for the sid is a no-op for the server


def _full(nc: Client) -> bool:
    return nc.pending_data_size >= nc._max_pending_size  # noqa: SLF001


async def subscribe(
    nc: Client,
    subject: str,
    now: Now,
    later: Later,
    settle: Settle | None = None,
    queue: str = "",
    drop: Settle | None = None,
) -> Subscription:
    """`nc.subscribe(subject, queue=queue, cb=later)`, with `now` taking each message first
    when this nats-py allows it, `settle` (`now` when it takes every message) what its task
    leaves queued as it ends, and `drop` what nats-py drops as a slow consumer."""
    direct = Direct(now, later, settle or now, drop)
    sub = await nc.subscribe(subject, queue=queue, cb=direct.later)
    direct.install(sub)
    return sub


def _handled(handler: Now | Settle, msg: Msg) -> bool:
    """Runs inside nats-py's read loop, or as a subscription's task ends: an error must
    reach neither."""
    try:
        return handler(msg) is not False
    except Exception:
        logger.exception("NATS message on %s could not be handled", msg.subject)
        return True
