"""Work done on the caller's turn of the loop, instead of waking another task for it.

nats-py's `publish` is a coroutine, but all it normally does is append the command to the
client's buffer and kick the flusher task; it suspends only when that buffer is over the
client's pending limit (2 MiB by default), to wait for the flusher. `publish_now` runs it in
the caller until it returns or suspends, so an ask leaves on the asking task's turn. When it
does suspend, a task finishes it and is returned, so a caller that must respect nats-py's
back-pressure awaits it.

`Steps` runs the answer to an incoming ask without a task: its first step (the local ask's
enqueue) runs at once, in order with the messages before and after it on the subscription,
and each later step runs from the done-callback of the future it waits for. A task per ask
cost its creation and a loop turn (`sleep(0)`) to let it enqueue before the next message.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Coroutine
from functools import partial
from typing import Any

from nats.aio.client import Client

Step = Coroutine[Any, Any, None]
_WAIT_BINDS_TO_TASK = sys.version_info >= (3, 12)


def publish_now(
    nc: Client, subject: str, payload: bytes, reply: str = ""
) -> asyncio.Task[None] | None:
    """Publish from the caller; raises what `publish` raises before it first suspends (a
    closed connection, a payload over `max_payload`). None once the message is in nats-py's
    buffer, else the task that finishes the call.

    From Python 3.12 the flush wait (`asyncio.wait_for`) is an `asyncio.timeout`, bound to
    the task it is entered in: outside any task (a loop callback, an ask's deadline) it
    raises after nats-py buffered the message, and in the caller's task a flush timeout
    would cancel the caller. There the publish goes in a task of its own, refusals
    included; on 3.11 the wait binds to no task."""
    if _WAIT_BINDS_TO_TASK and (
        asyncio.current_task() is None or getattr(nc, "_flush_timeout", None) is not None
    ):
        return asyncio.get_running_loop().create_task(nc.publish(subject, payload, reply=reply))
    step = nc.publish(subject, payload, reply=reply)
    try:
        waiting = step.send(None)
    except StopIteration:
        return None
    return asyncio.get_running_loop().create_task(_finish(step, waiting))


async def _finish(step: Step, waiting: Any) -> None:
    """Be the task for a coroutine that suspended outside one, as `asyncio.Task` is: wait
    for the future it yielded, then resume it so its own `await` takes the result or the
    error. Awaiting that future here instead would fail while it is pending: the
    coroutine's `await` already marked it as awaited (`_asyncio_future_blocking`). This
    task's cancellation is thrown into the coroutine, and the task ends cancelled even when
    the coroutine swallows it (nats-py's flush wait does), so whoever cancelled it is not
    left waiting."""
    cancelled: asyncio.CancelledError | None = None
    while True:
        try:
            if waiting is None:  # a bare yield (`asyncio.sleep(0)`)
                await asyncio.sleep(0)
            else:
                await asyncio.wait((waiting,))
        except asyncio.CancelledError as error:
            cancelled = error
            try:
                waiting = step.throw(error)
            except StopIteration:
                break
            continue
        try:
            waiting = step.send(None)
        except StopIteration:
            break
    if cancelled is not None:
        raise cancelled


class Steps:
    """Coroutines that catch their own errors, each driven by the futures it waits for.
    `close` abandons the ones still waiting (at shutdown, as cancelling their tasks did)."""

    def __init__(self) -> None:
        self.running: set[Step] = set()

    def start(self, step: Step) -> None:
        self.running.add(step)
        self._step(step, None)

    def _step(self, step: Step, _: object) -> None:
        if step not in self.running:
            return  # closed while its future was pending
        try:
            waiting = step.send(None)
        except BaseException as error:
            self.running.discard(step)
            if isinstance(error, StopIteration | asyncio.CancelledError):
                return
            raise
        if waiting is None:
            asyncio.get_running_loop().call_soon(self._step, step, None)
        else:
            waiting.add_done_callback(partial(self._step, step))

    def close(self) -> None:
        running, self.running = self.running, set()
        for step in running:
            step.close()
