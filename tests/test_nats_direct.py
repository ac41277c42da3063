"""`_nats._direct`: messages handled in nats-py's read loop unless one before them is still
on the subscription's slower path, what is queued settled when the subscription's task ends,
and a subscription left alone when nats-py differs."""

from __future__ import annotations

import asyncio
import contextlib
from types import SimpleNamespace
from typing import Any, cast

import pytest
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
        self.settled: list[bytes] = []

    def handle_now(self, message: Msg) -> bool:
        if message.data.startswith(b"slow"):
            return False
        if message.data == b"boom":
            raise RuntimeError("a bug in a handler")
        self.now.append(message.data)
        return True

    async def handle_later(self, message: Msg) -> None:
        self.later.append(message.data)

    def settle(self, message: Msg) -> None:
        self.settled.append(message.data)

    def direct(self) -> Direct:
        return Direct(self.handle_now, self.handle_later, self.settle)


def installed(
    handlers: Handlers, task: asyncio.Future[Any] | None = None
) -> tuple[Direct, dict[str, Any]]:
    """`task` stands for the subscription's own, which reads its queue."""
    queue: asyncio.Queue[Msg] = asyncio.Queue()
    task = task or asyncio.get_running_loop().create_future()
    sub = SimpleNamespace(
        _pending_queue=queue, _pending_size=0, _pending_bytes_limit=0, _wait_for_msgs_task=task
    )
    direct = handlers.direct()
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


async def test_what_nats_py_would_drop_as_a_slow_consumer_is_handed_over_first() -> None:
    """Past the queue's room, or past nats-py's byte limit (checked here instead, its own
    check turned off), `drop` takes the message and nats-py's QueueFull path follows."""
    handlers = Handlers()
    dropped: list[Msg] = []
    direct = Direct(handlers.handle_now, handlers.handle_later, handlers.settle, dropped.append)
    queue: asyncio.Queue[Msg] = asyncio.Queue(maxsize=2)
    task = asyncio.get_running_loop().create_future()
    sub = SimpleNamespace(
        _pending_queue=queue, _pending_size=0, _pending_bytes_limit=10, _wait_for_msgs_task=task
    )
    assert direct.install(cast(Subscription, sub))
    state = vars(sub)
    assert state["_pending_bytes_limit"] == 0

    def arrives(data: bytes) -> None:  # what nats-py does with each message
        state["_pending_size"] += len(data)
        try:
            direct.put_nowait(msg(data))
        except asyncio.QueueFull:
            state["_pending_size"] -= len(data)
            raise

    arrives(b"slow 1")
    arrives(b"ok")  # behind it: 8 bytes, under the limit, and no room left in the queue
    with pytest.raises(asyncio.QueueFull):
        arrives(b"x")
    await direct.later(await direct.get())
    state["_pending_size"] -= 6  # as the subscription's task does: room again, 2 bytes
    with pytest.raises(asyncio.QueueFull):
        arrives(b"over 8 b")  # 10 bytes: at the limit
    assert [m.data for m in dropped] == [b"x", b"over 8 b"]
    assert direct.qsize() == 1 and state["_pending_size"] == 2
    task.cancel()


async def test_a_subscription_without_a_drop_handler_leaves_drops_to_nats_py(
    caplog: pytest.LogCaptureFixture,
) -> None:
    handlers = Handlers()
    direct = handlers.direct()
    queue: asyncio.Queue[Msg] = asyncio.Queue(maxsize=1)
    task = asyncio.get_running_loop().create_future()
    sub = SimpleNamespace(
        _pending_queue=queue, _pending_size=0, _pending_bytes_limit=0, _wait_for_msgs_task=task
    )
    assert direct.install(cast(Subscription, sub))
    direct.put_nowait(msg(b"slow 1"))
    with pytest.raises(asyncio.QueueFull):  # nats-py reports its slow consumer
        direct.put_nowait(msg(b"slow 2"))
    assert direct.qsize() == 1 and not caplog.records
    task.cancel()


async def test_a_handler_error_never_reaches_the_read_loop() -> None:
    handlers = Handlers()
    direct, _ = installed(handlers)
    direct.put_nowait(msg(b"boom"))  # logged, and the message is done with
    assert direct.qsize() == 0 and direct.slow == 0


async def test_a_subscription_of_another_shape_is_left_alone() -> None:
    handlers = Handlers()
    task = asyncio.get_running_loop().create_future()
    for sub in (
        SimpleNamespace(),
        SimpleNamespace(_pending_queue=[], _pending_size=0, _wait_for_msgs_task=task),
        SimpleNamespace(_pending_queue=asyncio.Queue(), _pending_size=None),
        SimpleNamespace(_pending_queue=asyncio.Queue(), _pending_size=0),  # no task
    ):
        before = getattr(sub, "_pending_queue", None)
        assert not handlers.direct().install(cast(Subscription, sub))
        assert getattr(sub, "_pending_queue", None) is before


async def test_what_is_queued_when_the_subscriptions_task_ends_is_settled() -> None:
    """nats-py drops what is left in the queue of a subscription whose task it cancels (it
    is forgotten, or its connection closes); each is settled instead, without an answer."""
    handlers = Handlers()
    reading = asyncio.create_task(asyncio.Event().wait())
    direct, _ = installed(handlers, reading)
    direct.put_nowait(msg(b"slow send"))
    direct.put_nowait(msg(b"tell"))
    reading.cancel()
    async with asyncio.timeout(1):
        await asyncio.wait([reading])  # its done-callbacks run in order: the Direct's first
    assert handlers.settled == [b"slow send", b"tell"] and handlers.later == []
    assert direct.qsize() == 0 and direct.slow == 0


async def test_a_cancellation_an_answer_swallowed_still_ends_the_subscriptions_task() -> None:
    """nats-py's wait for its flusher swallows a cancellation; the subscription's task, then
    forgotten, would wait for a message for ever."""
    started = asyncio.Event()

    async def answer_waiting_for_the_flusher(_: Msg) -> None:
        started.set()
        with contextlib.suppress(asyncio.CancelledError):  # as nats-py's `_flush_pending`
            await asyncio.Event().wait()

    handlers = Handlers()
    direct = Direct(handlers.handle_now, answer_waiting_for_the_flusher, handlers.settle)
    callback = asyncio.create_task(direct.later(msg(b"slow ping")))
    async with asyncio.timeout(1):
        await started.wait()
        callback.cancel()
        await asyncio.wait([callback])
    assert callback.cancelled()


async def test_leaving_with_the_client_buffer_full_sends_nothing_and_returns() -> None:
    """Over nats-py's pending limit every command waits for its flusher, which a server
    that stopped reading holds forever: leaving then must not send (nor wait) at all."""
    sent: list[str] = []

    async def record(*_: object, **__: object) -> None:
        sent.append("command")

    async def ping(pong: asyncio.Future[bool]) -> None:
        sent.append("command")
        pong.set_result(True)  # the server's PONG

    nc = SimpleNamespace(
        pending_data_size=3_000_000,
        _max_pending_size=2_000_000,
        _send_unsubscribe=record,
        _send_ping=ping,
        is_closed=False,
    )
    sub = SimpleNamespace(_id=1, unsubscribe=record, _pending_queue=asyncio.Queue())
    async with asyncio.timeout(1):
        await leave(
            cast(Client, nc), cast(Subscription, sub), 1.0, asyncio.Event(), asyncio.Event()
        )
    assert sent == []
    nc.pending_data_size = 0
    async with asyncio.timeout(1):
        await leave(
            cast(Client, nc), cast(Subscription, sub), 1.0, asyncio.Event(), asyncio.Event()
        )
    assert sent == ["command", "command", "command", "command"]  # UNSUB, 2 PINGs, unsubscribe
    sent.clear()

    async def ping_filling_the_buffer(pong: asyncio.Future[bool]) -> None:
        await ping(pong)
        nc.pending_data_size = 3_000_000  # a reply the callback answered meanwhile

    nc._send_ping = ping_filling_the_buffer  # noqa: SLF001
    async with asyncio.timeout(1):
        await leave(
            cast(Client, nc), cast(Subscription, sub), 1.0, asyncio.Event(), asyncio.Event()
        )
    assert sent == ["command", "command", "command"]  # not the unsubscribe, which would wait


async def test_the_rest_of_the_queues_api_is_the_real_queues() -> None:
    """nats-py (and what it may read of the queue in a later version) sees a queue: every
    public name of `asyncio.Queue` answers, from the real queue, slow path and all."""
    handlers = Handlers()
    direct, _ = installed(handlers)
    public = [name for name in dir(asyncio.Queue) if not name.startswith("_")]
    assert [name for name in public if not hasattr(direct, name)] == []
    direct.put_nowait(msg(b"slow"))  # not handled at once: into the real queue
    assert (direct.qsize(), direct.empty(), direct.full(), direct.maxsize) == (1, False, False, 0)
    async with asyncio.timeout(1):
        got = await direct.get()
    assert got.data == b"slow" and direct.empty()
    await direct.put(msg(b"again"))
    assert direct.get_nowait().data == b"again"
    direct.task_done()
    direct.task_done()
    async with asyncio.timeout(1):
        await direct.join()
