"""A start that fails after nats-py's last attempt timed out: nats-py hands its callback a
bare `TimeoutError()` (its `asyncio.wait_for` of the connection, the server's INFO or its
PONG), whose text is empty. The start's `ConnectionError` must still say what was tried (the
servers, the timeout) and why it failed: never a message ending in an empty cause."""

from __future__ import annotations

import asyncio

import nats.aio.client
import pytest

from actorkit import ActorSystem
from actorkit.nats import NatsTransport


async def test_a_start_whose_last_attempt_timed_out_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    held: list[asyncio.BaseTransport] = []

    class Silent(asyncio.Protocol):
        """Accepts, and never a word: no INFO."""

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            held.append(transport)

    async def no_info(self: nats.aio.client.Client) -> None:
        """nats-py's wait for the server's INFO, at a tenth of the attempt's time, so that an
        attempt times out before the start's own deadline. nats-py leaves a timed-out
        attempt's stream to the collector, whose ResourceWarning would fall in whichever test
        runs then: closed here."""
        stream = self._transport
        assert stream is not None  # nats-py's own connection step made it
        try:
            await asyncio.wait_for(stream.readline(), 0.01)
        except TimeoutError:
            stream.close()  # type: ignore[no-untyped-call]  # nats-py leaves it untyped
            raise

    monkeypatch.setattr(nats.aio.client.Client, "_process_connect_init", no_info)
    server = await asyncio.get_running_loop().create_server(Silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    url = f"nats://127.0.0.1:{port}"
    system = ActorSystem(
        "mute", transport=NatsTransport(url, connect_timeout=0.3, reconnect_time_wait=0.05)
    )
    try:
        async with asyncio.timeout(5):  # connect_timeout, then the close's own bound
            with pytest.raises(ConnectionError) as raised:
                await system.start()
    finally:
        server.close()
        for transport in held:
            transport.close()
    assert isinstance(raised.value.__cause__, TimeoutError)  # nats-py's own, for the traceback
    text = str(raised.value)
    assert f"cannot connect system 'mute' to NATS at {url} within 0.3s: " in text
    assert text.endswith(
        "TimeoutError: an attempt had no answer within connect_timeout (the connection, "
        "the server's INFO or its reply to the client's CONNECT)"
    ), text
