"""The link's nats-py client: nats-py's own, with one race of nats-py's kept out of the log."""

from __future__ import annotations

import asyncio

from nats.aio.client import Client as NatsClient


class Client(NatsClient):
    """nats-py's client. A reconnection task nats-py cancels and replaces (an error read while
    it connects starts another) sets, as it ends, the result of the future its successor
    made: the two share the client's one `_reconnection_task_future`. The other then finds
    that future done and raises `InvalidStateError` at its last line, with nothing left
    undone, whether the client has closed by then or is still reconnecting; nobody awaits
    that task, so asyncio would log the error as "Task exception was never retrieved". That
    error is let go on a closed client, and on an open one when it is that last line's: raised
    in nats-py's own frame (a `set_result`, which runs no Python below it) with the shared
    future done. Anywhere else it is a fault to see."""

    async def _attempt_reconnect(self) -> None:
        try:
            await super()._attempt_reconnect()
        except asyncio.InvalidStateError as error:
            if not (self.is_closed or self._set_first_elsewhere(error)):
                raise

    def _set_first_elsewhere(self, error: asyncio.InvalidStateError) -> bool:
        future = self._reconnection_task_future
        if future is None or not future.done():
            return False
        last = error.__traceback__
        while last is not None and last.tb_next is not None:
            last = last.tb_next
        own = NatsClient._attempt_reconnect.__code__  # noqa: SLF001  # nats-py's frame, by its code
        return last is not None and last.tb_frame.f_code is own
