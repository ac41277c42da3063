"""Messages handled in nats-py's read loop, without a trip through the subscription's task.

nats-py hands each message of a callback subscription to an `asyncio.Queue` that the
subscription's own task reads, so every message costs a queue put and get and a wake-up of
that task before its callback runs. Most of what the transport receives needs no task: a
reply resolves a future, a tell or a batch of them is enqueued, an ask starts its answer
(`_eager.Steps`), a publish is routed. `Direct` takes the queue's place on the subscription:
nats-py's `put_nowait` runs the synchronous handler at once when it takes the message, and
puts it in the real queue for the callback otherwise (a send, a ping, a refusal to answer).
While any message is on that slower path, the ones after it follow it there: order is kept.

This reaches into nats-py's `Subscription` (its `_pending_queue`, `_pending_size` and
`_cb`), which it offers no public way to do. `install` checks that they are what this module
expects and otherwise leaves the subscription as it is: slower, never wrong.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from ._link import round_trip

logger = logging.getLogger("actorkit")

Now = Callable[[Msg], bool]
"""Handles a message at once and returns True, or returns False to leave it to `Later`."""
Later = Callable[[Msg], Awaitable[None]]


class Direct:
    """Stands in for a subscription's pending queue; everything but `put_nowait` is the real
    queue's (the subscription's task still reads it)."""

    __slots__ = ("_later", "_now", "_queue", "_sub", "slow")

    def __init__(self, now: Now, later: Later) -> None:
        self._now = now
        self._later = later
        self._queue: asyncio.Queue[Msg]  # set by `install`, before nats-py can call us
        self._sub: Subscription
        self.slow = 0
        """Messages put in the real queue and not yet handled by the callback."""

    def install(self, sub: Subscription) -> bool:
        queue = getattr(sub, "_pending_queue", None)
        if type(queue) is not asyncio.Queue or not isinstance(
            getattr(sub, "_pending_size", None), int
        ):
            return False
        self._queue, self._sub, self.slow = queue, sub, queue.qsize()
        sub._pending_queue = self  # type: ignore[assignment]  # noqa: SLF001
        return True

    def put_nowait(self, msg: Msg) -> None:
        if not self.slow and self._handled(msg):
            self._sub._pending_size -= len(msg.data)  # noqa: SLF001  # as its task would
            return
        self._queue.put_nowait(msg)  # QueueFull: nats-py's slow-consumer path, as before
        self.slow += 1

    def _handled(self, msg: Msg) -> bool:
        """Runs inside nats-py's read loop: an error must not reach it."""
        try:
            return self._now(msg)
        except Exception:
            logger.exception("NATS message on %s could not be handled", msg.subject)
            return True

    async def later(self, msg: Msg) -> None:
        """The subscription's callback, for what took the slower path."""
        try:
            await self._later(msg)
        finally:
            self.slow = max(0, self.slow - 1)

    def __getattr__(self, name: str) -> Any:
        if name == "_queue":  # not installed: there is no queue to stand in for
            raise AttributeError(name)
        return getattr(self._queue, name)


async def leave(nc: Client, sub: Subscription, timeout: float) -> None:
    """Unsubscribe without losing what the server routed here before it heard of it.
    nats-py's `unsubscribe` forgets the subscription at once, so what arrives during the
    round trip is dropped without a word (an ask waits for its timeout, a tell is gone), and
    its `drain` can take the answer to a PING it wrote ahead of the UNSUB. So: the UNSUB, a
    full round trip (`round_trip`), the callback's queue handled, and only then forget it.

    With nats-py's buffer over its limit, any command waits for a flush that a server which
    stopped reading never lets end: the subscription stays then, refusing what reaches it,
    until the connection closes."""
    if _full(nc):
        return
    try:
        await nc._send_unsubscribe(sub._id)  # noqa: SLF001
        await round_trip(nc, timeout)
        await sub._pending_queue.join()  # noqa: SLF001
    finally:
        if not _full(nc):
            await sub.unsubscribe()  # a second UNSUB for the sid is a no-op for the server


def _full(nc: Client) -> bool:
    return nc.pending_data_size >= nc._max_pending_size  # noqa: SLF001


async def subscribe(
    nc: Client, subject: str, now: Now, later: Later, queue: str = ""
) -> Subscription:
    """`nc.subscribe(subject, queue=queue, cb=later)`, with `now` taking each message first
    when this nats-py allows it."""
    direct = Direct(now, later)
    sub = await nc.subscribe(subject, queue=queue, cb=direct.later)
    direct.install(sub)
    return sub
