"""Clients that hold connections without finishing a request: a socket each, for as long as
they like, before auth is even checked, unless the endpoint closes them."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import pytest

from actorkit import ActorSystem, _http, _http_limit


@pytest.mark.parametrize(
    "sent",
    [b"", b"GET /metrics HTTP/1.1\r\nHost: x\r\n", b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-a:"],
    ids=["nothing", "half-the-headers", "half-a-header"],
)
async def test_a_connection_without_a_whole_request_is_closed_within_the_request_timeout(
    sent: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """aiohttp's default kept such a connection for an hour (its `keepalive_timeout`)."""
    monkeypatch.setattr(_http, "REQUEST_TIMEOUT", 0.5, raising=False)
    async with asyncio.timeout(10), ActorSystem() as system:
        server = await system.serve_http(port=0, auth="secret")
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        try:
            writer.write(sent)
            await writer.drain()
            assert await reader.read() == b""  # closed by the server, answered nothing
        finally:
            writer.close()


async def test_a_kept_alive_connection_still_serves_requests_within_the_timeout() -> None:
    async with asyncio.timeout(10), ActorSystem() as system:
        server = await system.serve_http(port=0)
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        try:
            for _ in range(3):
                writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                assert (await reader.readline()).startswith(b"HTTP/1.1 200")
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                await reader.readexactly(length)
        finally:
            writer.close()


async def test_connections_past_the_limit_are_answered_503_and_closed_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each connection is a file descriptor of the process, which its stores and NATS
    connections share: aiohttp took any number of them."""
    monkeypatch.setattr(_http_limit, "MAX_CONNECTIONS", 2, raising=False)
    async with asyncio.timeout(10), ActorSystem() as system:
        server = await system.serve_http(port=0)
        held = [await asyncio.open_connection("127.0.0.1", server.port) for _ in range(2)]
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        try:
            assert (await reader.read()).startswith(b"HTTP/1.1 503 Service Unavailable\r\n")
        finally:
            writer.close()
        for held_reader, holder in held:  # the limit's own are served
            holder.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            assert (await held_reader.readline()).startswith(b"HTTP/1.1 200"), "not served"
        for _, holder in held:
            holder.close()
            await holder.wait_closed()
        for _ in range(10):  # each refused or closed connection gave its place back
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            try:
                writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                answer = await reader.read()
            finally:
                writer.close()
            if answer.startswith(b"HTTP/1.1 200"):
                break
        assert answer.startswith(b"HTTP/1.1 200"), answer[:60]


async def test_a_refused_connection_leaves_no_failed_task_behind(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """aiohttp starts a connection's request task after its `connection_made`; a connection
    closed inside it was lost before that task first ran (on Python 3.11, whose tasks start
    later), and the task then failed on the handler's released state: an ERROR with a
    traceback for every connection refused, in the flood the limit is there for."""
    monkeypatch.setattr(_http_limit, "MAX_CONNECTIONS", 1, raising=False)
    loop = asyncio.get_running_loop()
    reported: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _, context: reported.append(context))
    try:
        async with asyncio.timeout(10), ActorSystem() as system:
            server = await system.serve_http(port=0)
            _, holder = await asyncio.open_connection("127.0.0.1", server.port)
            try:
                for _ in range(3):
                    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
                    try:
                        assert (await reader.read()).startswith(b"HTTP/1.1 503 ")
                    finally:
                        writer.close()
            finally:
                holder.close()
        gc.collect()  # a task that failed unretrieved reports it when it is freed
    finally:
        loop.set_exception_handler(None)
    assert [context.get("message") for context in reported] == []
