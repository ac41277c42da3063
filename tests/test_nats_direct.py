"""`_nats._direct`: messages handled in nats-py's read loop unless one before them is still
on the subscription's slower path, and a subscription left alone when nats-py differs."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any, cast

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from actorkit._nats._direct import Direct, leave


def msg(data: bytes) -> Msg:
    return cast(Msg, SimpleNamespace(data=data, subject="s"))


class Handlers:
    def __init__(self) -> None:
        self.now: list[bytes] = []
        self.later: list[bytes] = []

    def handle_now(self, message: Msg) -> bool:
        if message.data.startswith(b"slow"):
            return False
        if message.data == b"boom":
            raise RuntimeError("a bug in a handler")
        self.now.append(message.data)
        return True

    async def handle_later(self, message: Msg) -> None:
        self.later.append(message.data)


def installed(handlers: Handlers) -> tuple[Direct, dict[str, Any]]:
    sub = SimpleNamespace(_pending_queue=asyncio.Queue(), _pending_size=0)
    direct = Direct(handlers.handle_now, handlers.handle_later)
    assert direct.install(cast(Subscription, sub))
    assert vars(sub)["_pending_queue"] is direct
    return direct, vars(sub)


async def test_what_can_be_handled_at_once_is_and_its_bytes_leave_the_pending_size() -> None:
    handlers = Handlers()
    direct, sub = installed(handlers)
    sub["_pending_size"] += 3  # nats-py counts the bytes before it hands the message over
    direct.put_nowait(msg(b"abc"))
    assert handlers.now == [b"abc"] and sub["_pending_size"] == 0 and direct.qsize() == 0


async def test_messages_after_a_slow_one_follow_it_until_it_is_handled() -> None:
    handlers = Handlers()
    direct, _ = installed(handlers)
    direct.put_nowait(msg(b"slow send"))
    direct.put_nowait(msg(b"tell"))  # would be quick, but must not overtake
    assert handlers.now == [] and direct.qsize() == 2 and direct.slow == 2
    for _ in range(2):  # what the subscription's task does with its queue
        await direct.later(await direct.get())
    assert handlers.later == [b"slow send", b"tell"] and direct.slow == 0
    direct.put_nowait(msg(b"again"))
    assert handlers.now == [b"again"]


async def test_a_handler_error_never_reaches_the_read_loop() -> None:
    handlers = Handlers()
    direct, _ = installed(handlers)
    direct.put_nowait(msg(b"boom"))  # logged, and the message is done with
    assert direct.qsize() == 0 and direct.slow == 0


async def test_a_subscription_of_another_shape_is_left_alone() -> None:
    handlers = Handlers()
    for sub in (
        SimpleNamespace(),
        SimpleNamespace(_pending_queue=[], _pending_size=0),
        SimpleNamespace(_pending_queue=asyncio.Queue(), _pending_size=None),
    ):
        before = getattr(sub, "_pending_queue", None)
        assert not Direct(handlers.handle_now, handlers.handle_later).install(
            cast(Subscription, sub)
        )
        assert getattr(sub, "_pending_queue", None) is before


async def test_leaving_with_the_client_buffer_full_sends_nothing_and_returns() -> None:
    """Over nats-py's pending limit every command waits for its flusher, which a server
    that stopped reading holds forever: leaving then must not send (nor wait) at all."""
    sent: list[str] = []

    async def record(*_: object, **__: object) -> None:
        sent.append("command")

    nc = SimpleNamespace(
        pending_data_size=3_000_000,
        _max_pending_size=2_000_000,
        _send_unsubscribe=record,
        flush=record,
    )
    sub = SimpleNamespace(_id=1, unsubscribe=record, _pending_queue=asyncio.Queue())
    async with asyncio.timeout(1):
        await leave(cast(Client, nc), cast(Subscription, sub), 1.0)
    assert sent == []
    nc.pending_data_size = 0
    async with asyncio.timeout(1):
        await leave(cast(Client, nc), cast(Subscription, sub), 1.0)
    assert sent == ["command", "command", "command", "command"]  # UNSUB, 2 PINGs, unsubscribe
