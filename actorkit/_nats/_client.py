"""The link's nats-py client: nats-py's own, with one race of nats-py's kept out of the log."""

from __future__ import annotations

import asyncio

from nats.aio.client import Client as NatsClient


class Client(NatsClient):
    """nats-py's client. A reconnection task nats-py cancels and replaces (an error read while
    it connects starts another) sets, as it ends, the result of the future its successor
    made: the two share the client's one `_reconnection_task_future`. Once the client closes,
    the successor finds that future done and raises `InvalidStateError` at its last line,
    with nothing left undone; nobody awaits that task, so asyncio would log the error as
    "Task exception was never retrieved". That error is let go on a closed client only;
    anywhere else it is a fault to see."""

    async def _attempt_reconnect(self) -> None:
        try:
            await super()._attempt_reconnect()
        except asyncio.InvalidStateError:
            if not self.is_closed:
                raise
