"""Handing the writer's batches to nats-py, each on its connection, and what becomes of the
messages nats-py refuses or fails to flush: the writer outlives any one message."""

from __future__ import annotations

import asyncio
import logging
from functools import partial
from typing import TYPE_CHECKING

from nats.aio.client import Client

from .._errors import ActorStopped, NotDelivered
from ._batches import Out
from ._core import Core
from ._eager import publish_now
from ._frames import batch

if TYPE_CHECKING:
    from .._dead_letters import TransportReason

logger = logging.getLogger("actorkit")


class Handoff:
    def __init__(self, core: Core) -> None:
        self._core = core
        self._link = core.link

    def connection(self, item: Out) -> Client:
        """A publish goes on the topics connection (`no_echo`), anything else on the
        requests' one."""
        topics = self._link.topics
        return topics if item.topic and topics is not None else self._link.connection

    def send(self, items: list[Out]) -> asyncio.Task[None] | None:
        """One NATS message for `items` (one subject); the task that finishes it when
        nats-py's buffer is over its limit, for the writer to wait for."""
        first = items[0]
        payload = first.payload if len(items) == 1 else batch([item.payload for item in items])
        if first.future is not None:  # a request, alone in its message
            first.sent = True
        try:
            finishing = publish_now(self.connection(first), first.subject, payload, first.reply)
        except Exception as error:  # the writer outlives any one message
            logger.warning(
                "%s could not send to %s: %r", self._link.system_name, first.target, error
            )
            for item in items:
                give_up(self._core, item, "send_failed", f"the NATS client refused it ({error!r})")
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


def give_up(core: Core, item: Out, reason: TransportReason, why: str) -> None:
    """A request's caller is told (`NotDelivered`: it was not sent, so a retry is safe);
    anything else becomes a dead letter, counted by reason."""
    if item.future is None:
        core.reject(reason, item.message, item.target)
    else:
        not_sent(item, why)


def not_sent(item: Out, why: str) -> None:
    future = item.future
    if future is not None and not future.done():
        future.set_exception(NotDelivered(f"{why}; {item.target} was not sent"))
