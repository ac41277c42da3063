"""Asks and acknowledged sends to other systems: request out through the outbox, reply back
on this system's own inbox, with the local semantics of timeouts and failures."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

from nats.aio.client import Client
from nats.aio.msg import Msg

from .._errors import ActorStopped, AskTimeout, NotDelivered
from .._seconds import check_seconds
from .._wire import BadPayload
from ._core import Core
from ._frames import ASK, ERROR, OK, SEND, STOPPED, rebuild_error
from ._outbound import Out, Outbox

_NO_RESPONDERS = "503"


class Requests:
    """The replies awaited, by the token that ends their reply subject."""

    def __init__(self, core: Core, outbox: Outbox) -> None:
        self._core = core
        self._outbox = outbox
        self._replies: dict[str, asyncio.Future[Msg]] = {}
        self._tokens = itertools.count()
        self._inbox = ""

    async def listen(self, nc: Client) -> None:
        self._inbox = nc.new_inbox()
        await nc.subscribe(f"{self._inbox}.*", cb=self._on_reply)

    async def _on_reply(self, msg: Msg) -> None:
        future = self._replies.pop(msg.subject[len(self._inbox) + 1 :], None)
        if future is not None and not future.done():
            future.set_result(msg)

    def fail(self, why: str) -> None:
        replies, self._replies = self._replies, {}
        for future in replies.values():
            if not future.done():
                future.set_exception(ActorStopped(why))

    async def request(
        self, subject: str, kind: int, path: str, target: str, message: object, timeout: float
    ) -> Any:
        """An ask or an acknowledged send: fails at once while disconnected (nothing sent,
        so retrying is safe), `AskTimeout` after `timeout`, `ActorStopped` when no system
        answers for the target."""
        core = self._core
        timeout = check_seconds(timeout, f"{'ask' if kind == ASK else 'send'} timeout")
        payload = core.encode([kind, path, core.codec.wire(message), timeout])
        if not core.link.connected:
            core.asks["stopped"] += 1
            what = "ask" if kind == ASK else "send"
            raise NotDelivered(f"not connected to NATS: the {what} to {target} was not sent")
        token = str(next(self._tokens))
        future: asyncio.Future[Msg] = asyncio.get_running_loop().create_future()
        self._replies[token] = future
        item = Out(subject, payload, f"{self._inbox}.{token}", message, target, False, future)
        try:
            result = await self._exchange(item, future, kind, timeout)
        except AskTimeout:
            core.asks["timeout"] += 1
            raise
        except ActorStopped:
            core.asks["stopped"] += 1
            raise
        except BaseException:
            core.asks["error"] += 1
            raise
        finally:
            self._replies.pop(token, None)
            if not future.done():
                future.cancel()
        core.asks["ok"] += 1
        return result

    async def _exchange(
        self, item: Out, future: asyncio.Future[Msg], kind: int, timeout: float
    ) -> Any:
        try:
            async with asyncio.timeout(timeout) as scope:
                while not self._outbox.enqueue(item):  # like a full mailbox: wait for room
                    await self._outbox.wait_for_room()
                reply = await future
        except TimeoutError:
            if not scope.expired():
                raise
            raise AskTimeout(
                f"no reply from {item.target} within {timeout}s to the "
                f"{'ask' if kind == ASK else 'send'}"
                + (" (it may still be delivered)" if kind == SEND else "")
            ) from None
        return self._answer_of(reply, item.target)

    def _answer_of(self, reply: Msg, target: str) -> Any:
        headers = reply.headers
        if headers and headers.get("Status") == _NO_RESPONDERS and not reply.data:
            raise NotDelivered(
                f"nobody answers for {target}: that system is not connected to NATS (or no "
                "member of the group is)"
            )
        try:
            frame = self._core.codec.decode(reply.data)
            status = frame[0]
            if status == OK and len(frame) == 2:
                return frame[1]
            if status == STOPPED and len(frame) == 2 and isinstance(frame[1], str):
                raise ActorStopped(frame[1])
            if status == ERROR and len(frame) == 4:
                error = rebuild_error(frame[1], frame[2], frame[3])
                error.add_note(f"raised by {target}, across NATS")
                raise error
            raise BadPayload("unknown reply")
        except BadPayload as error:
            self._core.reject("bad_payload", bytes(reply.data[:256]), target)
            raise TypeError(f"the reply from {target} could not be decoded: {error}") from None
