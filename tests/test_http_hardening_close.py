"""Close and shutdown stay bounded whatever HTTP clients do: never reading, idle, half-sent."""

from __future__ import annotations

import asyncio
import socket
import time
from pathlib import Path

import pytest

from actorkit import ActorSystem
from actorkit._http import CLOSE_GRACE

from .http_support import Idle

SHUTDOWN_TIMEOUT = 1.0
CLOSE_BOUND = 2 * CLOSE_GRACE + 4.0
"""What `HttpServer.close()` may take (2 x `CLOSE_GRACE`, documented in
docs/observability.md), with seconds to spare for a loaded machine: still far below aiohttp's
own 60 s shutdown timeout, or forever, which a client that never reads made it before."""


@pytest.fixture(autouse=True)
def short_close_grace(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each close below waits out its grace twice: 0.1 s instead of 0.5 s. The bounds are
    still those of the real grace; what they catch (a close that waits on a client, for
    aiohttp's 60 s or for ever) is as far past them. A close that waits some multiple of its
    grace hides under the seconds of slack when the grace is short: one test keeps it real."""
    monkeypatch.setattr("actorkit._http.CLOSE_GRACE", 0.1)


def beyond_socket_buffers() -> int:
    """A size no kernel send buffer holds, so that a response this big cannot be written to a
    client that does not read."""
    try:
        most = int(Path("/proc/sys/net/ipv4/tcp_wmem").read_text().split()[2])
    except (OSError, IndexError, ValueError):
        most = 4 << 20
    return most + (1 << 20)


def huge() -> type[Idle]:
    """An actor class whose name alone makes `/actors` bigger than the socket buffers (actor
    names are capped at 255 characters; class names are the user's)."""
    return type("x" * beyond_socket_buffers(), (Idle,), {})


def stalling_client(port: int, requests: int = 8, path: str = "/actors") -> socket.socket:
    """A client that pipelines requests of `path` and never reads its responses."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    sock.setblocking(False)
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode() * requests)
    return sock


async def readable(sock: socket.socket) -> None:
    """Until the server has started answering; the client still reads nothing."""
    loop = asyncio.get_running_loop()
    ready = loop.create_future()
    loop.add_reader(sock.fileno(), ready.set_result, None)
    try:
        await ready
    finally:
        loop.remove_reader(sock.fileno())


async def until_dropped(sock: socket.socket) -> int:
    """Read what reached the client's kernel until the server ends the connection: how many
    bytes."""
    loop = asyncio.get_running_loop()
    received = 0
    try:
        while chunk := await loop.sock_recv(sock, 1 << 16):
            received += len(chunk)
    except ConnectionResetError:
        pass
    return received


async def test_a_client_that_never_reads_does_not_stall_shutdown() -> None:
    system = ActorSystem()
    await system.start()
    # One actor whose class name makes the /actors body bigger than the socket buffers: once
    # the client sees the first byte, the server is stuck writing the rest.
    await system.spawn(huge())
    server = await system.serve_http(port=0)
    sock = stalling_client(server.port)
    try:
        await readable(sock)
        started = time.monotonic()
        async with asyncio.timeout(SHUTDOWN_TIMEOUT + CLOSE_BOUND + 5):
            await system.shutdown(timeout=SHUTDOWN_TIMEOUT)
        took = time.monotonic() - started
        print(f"shutdown with a client that never reads: {took:.2f}s")
        async with asyncio.timeout(5):
            received = await until_dropped(sock)
        assert received < beyond_socket_buffers()  # the unsent rest was dropped, not held
    finally:
        sock.close()
    assert took < SHUTDOWN_TIMEOUT + CLOSE_BOUND


async def keep_alive_client(port: int) -> socket.socket:
    """A client that read its answer and holds the connection open for more."""
    loop = asyncio.get_running_loop()
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setblocking(False)
    await loop.sock_sendall(sock, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    answer = b""
    while b"\r\n\r\n" not in answer or not answer.endswith(b"}"):
        answer += await loop.sock_recv(sock, 4096)
    assert answer.startswith(b"HTTP/1.1 200")
    return sock


async def half_request_client(port: int) -> socket.socket:
    """A client that sends half a request's headers and then nothing."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setblocking(False)
    sock.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    return sock


async def test_close_is_bounded_with_idle_keep_alive_and_half_sent_requests() -> None:
    async with ActorSystem() as system:
        server = await system.serve_http(port=0)
        socks = [await keep_alive_client(server.port) for _ in range(5)]
        socks += [await half_request_client(server.port) for _ in range(5)]
        try:
            started = time.monotonic()
            await server.close()
            took = time.monotonic() - started
            for sock in socks:
                async with asyncio.timeout(CLOSE_BOUND):
                    await until_dropped(sock)
        finally:
            for sock in socks:
                sock.close()
        assert took < CLOSE_BOUND


async def test_close_is_bounded_with_a_client_that_never_reads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The real grace: a close waiting on it several times over (past 2 x, by a few) fails the
    # bound, which it would pass at 0.1 s
    monkeypatch.setattr("actorkit._http.CLOSE_GRACE", CLOSE_GRACE)
    async with ActorSystem() as system:
        await system.spawn(huge())
        server = await system.serve_http(port=0)
        sock = stalling_client(server.port)
        try:
            await readable(sock)
            started = time.monotonic()
            await server.close()
            took = time.monotonic() - started
        finally:
            sock.close()
        assert took < CLOSE_BOUND


async def test_every_close_returns_once_the_endpoint_is_closed() -> None:
    async with ActorSystem() as system:
        await system.spawn(huge())
        server = await system.serve_http(port=0)
        sock = stalling_client(server.port)
        try:
            await readable(sock)
            closes = {asyncio.create_task(server.close()) for _ in range(2)}
            async with asyncio.timeout(CLOSE_BOUND):
                done, _ = await asyncio.wait(closes, return_when=asyncio.FIRST_COMPLETED)
                assert done == closes  # neither returned while the other was still closing
        finally:
            sock.close()
