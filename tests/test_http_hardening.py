"""The HTTP endpoint against hostile clients: bounded close and shutdown whatever clients do,
empty credentials refused, and never a 500 whatever bytes arrive (issue 13)."""

from __future__ import annotations

import asyncio
import socket
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from actorkit import Actor, ActorSystem
from actorkit._http_auth import BasicAuth, BearerAuth

SHUTDOWN_TIMEOUT = 1.0
CLOSE_BOUND = 2.5
"""What `HttpServer.close()` may take (documented in docs/observability.md), with room for a
busy machine."""


class Idle(Actor):
    async def receive(self, message: Any) -> None:
        pass


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


def stalling_client(port: int, requests: int = 8) -> socket.socket:
    """A client that pipelines `/actors` requests and never reads its responses."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    sock.setblocking(False)
    sock.sendall(b"GET /actors HTTP/1.1\r\nHost: x\r\n\r\n" * requests)
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


async def test_close_is_bounded_with_a_client_that_never_reads() -> None:
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


EMPTY_CREDENTIALS = [
    "",
    "   ",
    " s3cret",
    "s3cret\n",
    ("", ""),
    ("", "pw"),
    ("ops", ""),
    ("ops", " "),
]
"""Each would let in a bare or blank header, or could never be sent in one."""


@pytest.mark.parametrize("auth", EMPTY_CREDENTIALS)
async def test_serve_http_refuses_empty_credentials(auth: object) -> None:
    async with ActorSystem() as system:
        with pytest.raises(ValueError, match=r"auth (token|username|password) must not"):
            await system.serve_http(port=0, auth=auth)


def test_credentials_that_no_header_can_carry_are_refused() -> None:
    with pytest.raises(ValueError, match="':'"):
        BasicAuth("ops:x", "pw")
    with pytest.raises(ValueError, match="valid text"):
        BearerAuth("\udc80")
    with pytest.raises(ValueError, match="empty"):
        BearerAuth("")
    with pytest.raises(TypeError, match="str"):
        BasicAuth("ops", b"pw")  # type: ignore[arg-type]


BLANK_HEADERS = ["", "Basic", "Basic ", "Basic    ", "Bearer", "Bearer ", "Basic Og==", "Basic é"]
"""Empty, blank, `:` alone (base64 `Og==`), and bytes that are not base64 at all."""


@pytest.mark.parametrize("header", [*BLANK_HEADERS, "Bearer \udcff", "Basic \udcff"])
def test_an_empty_or_garbled_header_never_authenticates(header: str) -> None:
    for auth in (BearerAuth("s3cret"), BasicAuth("ops", "pw")):
        assert not auth.accepts(header)


async def test_a_limit_in_other_digits_is_refused_in_words_and_a_huge_one_is_no_limit() -> None:
    async with ActorSystem() as system, aiohttp.ClientSession() as session:
        server = await system.serve_http(port=0)
        await system.spawn(Idle, name="idle")
        for limit in ("²", "٣", "0" * 40, "-1", "1e3"):
            async with session.get(f"{server.url}/actors", params={"limit": limit}) as response:
                assert response.status == 400
                assert "limit must be a whole number" in (await response.json())["error"]
        for limit, shown in (("9" * 5000, 1), ("0" * 30 + "1", 1)):
            async with session.get(f"{server.url}/actors", params={"limit": limit}) as response:
                assert response.status == 200
                assert len((await response.json())["actors"]) == shown


async def test_serve_http_gives_up_on_a_host_that_never_resolves(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loop = asyncio.get_running_loop()
    if not isinstance(loop, asyncio.SelectorEventLoop):
        pytest.skip("uvloop resolves inside its C code: no resolver to replace")
    never = loop.create_future()

    async def unanswered(*args: object, **kwargs: object) -> Any:
        return await never

    monkeypatch.setattr(loop, "getaddrinfo", unanswered)
    monkeypatch.setattr("actorkit._http.BIND_TIMEOUT", 0.05)
    async with ActorSystem() as system:
        with pytest.raises(TimeoutError, match=r"cannot serve on slow\.example:0.*over 0\.05 s"):
            async with asyncio.timeout(5):  # the test's own bound: a bare TimeoutError
                await system.serve_http(host="slow.example", port=0)


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


@pytest.mark.parametrize(
    "path",
    ["/idle\nx", "/idle\t", "/idle\u00a0", "/idle\x00", "/" + "x" * 5000],
    ids=["newline", "tab", "nbsp", "nul", "too-long"],
)
async def test_a_path_no_actor_can_have_is_a_400_that_says_what_to_pass(path: str) -> None:
    async with asyncio.timeout(10), ActorSystem() as system, aiohttp.ClientSession() as session:
        server = await system.serve_http(port=0)
        await system.spawn(Idle, name="idle")
        async with session.get(f"{server.url}/actors", params={"path": path}) as response:
            assert response.status == 400
            error = (await response.json())["error"]
        assert error.startswith("path must be an actor path such as /workers")
        assert "at most 4096 printable characters" in error
        assert len(error) < 200  # a 5000-character path is not echoed whole


@pytest.mark.parametrize(
    "accept",
    [
        "application/openmetrics-text; version=abc",
        "application/openmetrics-text; version=1.x",
        "text/plain; version=x",
        "text/plain; version=1.0.x, application/openmetrics-text; version=1.0.0",
    ],
)
async def test_an_accept_version_prometheus_client_cannot_read_gets_text_format(
    accept: str,
) -> None:
    async with asyncio.timeout(10), ActorSystem() as system, aiohttp.ClientSession() as session:
        server = await system.serve_http(port=0)
        await system.spawn(Idle, name="idle")
        async with session.get(f"{server.url}/metrics", headers={"Accept": accept}) as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
            body = await response.text()
        families = {family.name for family in text_string_to_metric_families(body)}
        assert "actorkit_actor_spawned" in families


async def test_an_accept_prometheus_client_reads_still_chooses_the_format() -> None:
    async with asyncio.timeout(10), ActorSystem() as system, aiohttp.ClientSession() as session:
        server = await system.serve_http(port=0)
        for accept, content_type in [
            ("application/openmetrics-text; version=1.0.0", "application/openmetrics-text"),
            ("text/plain; version=0.0.4", "text/plain; version=0.0.4"),
            ("*/*", "text/plain; version=0.0.4"),
        ]:
            async with session.get(f"{server.url}/metrics", headers={"Accept": accept}) as response:
                assert response.status == 200
                assert response.headers["Content-Type"].startswith(content_type)


def ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


async def test_port_zero_on_a_host_of_two_addresses_serves_both_on_the_port_it_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`localhost` is 127.0.0.1 and ::1 on many hosts; asyncio gives each address its own
    free port, and `.port` (so `.url`, and a scrape config built from it) named one."""
    loop = asyncio.get_running_loop()
    if not isinstance(loop, asyncio.SelectorEventLoop):
        pytest.skip("uvloop resolves inside its C code: no resolver to replace")
    if not ipv6_loopback():
        pytest.skip("no IPv6 loopback on this host")
    resolve = loop.getaddrinfo

    async def dual(host: object, *args: Any, **kwargs: Any) -> Any:
        if host != "dual.example":
            return await resolve(host, *args, **kwargs)
        return [
            *await resolve("127.0.0.1", *args, **kwargs),
            *await resolve("::1", *args, **kwargs),
        ]

    monkeypatch.setattr(loop, "getaddrinfo", dual)
    async with asyncio.timeout(10), ActorSystem() as system, aiohttp.ClientSession() as session:
        server = await system.serve_http(host="dual.example", port=0)
        for address in ("127.0.0.1", "[::1]"):
            async with session.get(f"http://{address}:{server.port}/healthz") as response:
                assert response.status == 200
