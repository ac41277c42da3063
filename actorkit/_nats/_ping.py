"""One ping to a system's subject (`_probes`): what ends it is its answer, an event the
caller names (the link dropping), or the server's refusal of its publish.

A ping goes to a system's subject as a request does, and the server refuses it as it would the
request, naming only the subject: the ping takes its place among the requests to its subject
as it leaves (`RefusedPublishes.place`), so that a refusal of it ends it, and says what it
could not do, rather than ending a request or becoming a dead letter no message was."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from nats.aio.client import Client
from nats.aio.msg import Msg

if TYPE_CHECKING:
    from ._refused_publish import RefusedPublishes


class Refused(Exception):
    """The server refused a ping's publish: the words say which system and subject."""


async def one_ping(
    refusals: RefusedPublishes,
    nc: Client,
    subject: str,
    frame: bytes,
    timeout: float,
    *ends: asyncio.Event,
) -> Msg | None:
    """By nats-py's `request`, which hands its publish to nats-py before it first suspends:
    placed among the requests to `subject` in that step. None if one of `ends` is set
    first; `Refused`, or what the request raised (`NoRespondersError`, `TimeoutError`)."""
    loop = asyncio.get_running_loop()
    refused: asyncio.Future[str] = loop.create_future()
    request = partial(nc.request, subject, frame, timeout=timeout)
    asking = loop.create_task(_placed(refusals, subject, refused, request))
    waits = [asyncio.ensure_future(event.wait()) for event in ends]
    ending: list[asyncio.Future[Any]] = [asking, refused, *waits]
    try:
        await asyncio.wait(ending, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (asking, *waits):
            task.cancel()  # a no-op once it ended
        # Cancelled, the ping reads no answer: nats-py's `NoRespondersError` is retrieved
        # all the same (the request may end with it as it is cancelled).
        asking.add_done_callback(_retrieved)
        refusals.done(subject, refused)
    if refused.done():
        raise Refused(refused.result())
    if asking.done() and not asking.cancelled():
        return asking.result()
    return None


async def _placed(
    refusals: RefusedPublishes,
    subject: str,
    refused: asyncio.Future[str],
    request: Callable[[], Awaitable[Msg]],
) -> Msg:
    refusals.place(subject, refused)
    return await request()


def _retrieved(task: asyncio.Task[Msg]) -> None:
    if not task.cancelled():
        task.exception()
