"""nats-py's race between two reconnection tasks, kept out of the log.

A reconnection task (`_attempt_reconnect`) that nats-py cancels and replaces (an error read
while it connects starts another) goes on to set the result of the future the new one made:
both tasks share the client's one `_reconnection_task_future`. When the client then closes,
the second task finds that future already done and raises `InvalidStateError`, which nobody
retrieves: asyncio logs "Task exception was never retrieved" though nothing was lost. The
link's client lets that one error go once the client is closed, and only then."""

from __future__ import annotations

import asyncio

import pytest
from nats.aio.client import Client as NatsClient

from actorkit._nats._client import Client

from .nats_support import NatsServer

SAFETY = 10.0


async def _replaced_then_closed(client: NatsClient, own: NatsServer) -> asyncio.Task[None]:
    """Drives nats-py's own `_attempt_reconnect` through the race; returns the second task."""
    await client.connect(
        own.url,
        allow_reconnect=True,
        reconnect_time_wait=0.01,  # type: ignore[arg-type]  # hinted int, slept as a float
        max_reconnect_attempts=-1,
        connect_timeout=1,
    )
    own.stop()
    while client._reconnection_task_future is None:  # noqa: SLF001
        await asyncio.sleep(0)  # nats-py reads the drop and starts reconnecting
    first = client._reconnection_task  # noqa: SLF001
    assert first is not None
    loop = asyncio.get_running_loop()
    # What `_process_op_err` does on an error read while `first` connects, with `first`
    # taking its cancellation once `second` has made its future:
    made = client._reconnection_task_future  # noqa: SLF001
    second = loop.create_task(client._attempt_reconnect())  # noqa: SLF001
    client._reconnection_task = second  # noqa: SLF001
    while client._reconnection_task_future is made:  # noqa: SLF001
        await asyncio.sleep(0)
    while not first.done():  # nats-py connects under `asyncio.wait_for`, which on Python 3.11
        first.cancel()  # loses a cancellation that meets its inner step's end: again until taken
        await asyncio.wait({first}, timeout=0.01)
    await client.close()
    while not second.done():  # the close cancels it under that `wait_for` too: again if lost
        await asyncio.wait({second}, timeout=1.0)
        if not second.done():
            second.cancel()
    return second


async def test_nats_py_alone_raises_invalid_state_in_the_second_reconnection_task(
    own: NatsServer,
) -> None:
    """The race itself, in nats-py's plain client: if this stops failing, nats-py fixed it."""
    async with asyncio.timeout(SAFETY):
        second = await _replaced_then_closed(NatsClient(), own)
    assert isinstance(second.exception(), asyncio.InvalidStateError)


async def test_the_links_client_ends_the_second_reconnection_task_cleanly(
    own: NatsServer,
) -> None:
    async with asyncio.timeout(SAFETY):
        second = await _replaced_then_closed(Client(), own)
    assert not second.cancelled()
    assert second.exception() is None


async def test_the_links_client_still_raises_invalid_state_while_it_is_open(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Anywhere but after the close, the error is a fault to see."""

    async def raises(self: NatsClient) -> None:
        raise asyncio.InvalidStateError("invalid state")

    monkeypatch.setattr(NatsClient, "_attempt_reconnect", raises)
    async with asyncio.timeout(SAFETY):
        with pytest.raises(asyncio.InvalidStateError):
            await Client()._attempt_reconnect()  # noqa: SLF001


def _open_with_its_future_set() -> Client:
    """A client not closed whose shared reconnection future another task already set."""
    client = Client()
    client._reconnection_task_future = asyncio.get_running_loop().create_future()  # noqa: SLF001
    client._reconnection_task_future.set_result(True)  # noqa: SLF001
    return client


async def test_the_links_client_lets_the_race_go_while_it_is_open_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The race's error comes from nats-py's last line setting the future the client's other
    reconnection task set first, whatever the client's state then: the two tasks can end
    before any close (seen on CI as "Task exception was never retrieved")."""

    async def its_last_line(self: NatsClient) -> None:
        self._reconnection_task_future.set_result(True)  # type: ignore[union-attr]

    monkeypatch.setattr(NatsClient, "_attempt_reconnect", its_last_line)
    async with asyncio.timeout(SAFETY):
        await _open_with_its_future_set()._attempt_reconnect()  # noqa: SLF001


async def test_the_links_client_raises_invalid_state_from_deeper_down_while_it_is_open(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Raised below nats-py's own frame, it is not the race's, even with the future set."""

    def deeper() -> None:
        raise asyncio.InvalidStateError("invalid state")

    async def calls_deeper(self: NatsClient) -> None:
        deeper()

    monkeypatch.setattr(NatsClient, "_attempt_reconnect", calls_deeper)
    async with asyncio.timeout(SAFETY):
        with pytest.raises(asyncio.InvalidStateError):
            await _open_with_its_future_set()._attempt_reconnect()  # noqa: SLF001
