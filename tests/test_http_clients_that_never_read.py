"""A client that asks and never reads its answer is let go within the send timeout: it held
its connection, and the answer it did not take (a whole `/actors` body), for as long as it
lived, one place of `MAX_CONNECTIONS` each."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from prometheus_client.core import GaugeMetricFamily, Metric

from actorkit import ActorSystem, _http_limit, _http_send

from .http_support import fetch
from .test_http_hardening_close import (
    beyond_socket_buffers,
    huge,
    readable,
    stalling_client,
    until_dropped,
)

SEND_TIMEOUT = 0.2


@pytest.fixture(autouse=True)
def one_place_and_a_short_send_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """One connection at a time: a client that holds it shows as a 503 to every other."""
    monkeypatch.setattr(_http_limit, "MAX_CONNECTIONS", 1, raising=False)
    monkeypatch.setattr(_http_send, "SEND_TIMEOUT", SEND_TIMEOUT, raising=False)


def sends_watched(monkeypatch: pytest.MonkeyPatch) -> asyncio.Event:
    """Set as the endpoint's first answer has been written or let go: for a client that reads
    nothing, once `SEND_TIMEOUT` dropped it, with its place."""
    ended = asyncio.Event()
    send = _http_send.send

    async def watched(request: web.Request, *args: Any) -> web.StreamResponse:
        try:
            return await send(request, *args)
        finally:
            ended.set()

    monkeypatch.setattr("actorkit._http_endpoints.send", watched)
    return ended


def wide_source() -> Iterator[Metric]:
    """A family whose help text alone makes `/metrics` bigger than the socket buffers."""
    yield GaugeMetricFamily("wide", "x" * beyond_socket_buffers(), value=1)


@pytest.mark.parametrize("path", ["/actors", "/metrics"])
async def test_a_client_that_never_reads_its_answer_gives_its_place_back(
    path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with asyncio.timeout(20), ActorSystem() as system:
        await system.spawn(huge())  # /actors past the socket buffers
        system.metrics.add_source(wide_source)  # /metrics too
        server = await system.serve_http(port=0)
        answered = sends_watched(monkeypatch)
        sock = stalling_client(server.port, requests=1, path=path)
        try:
            await readable(sock)  # answering it, stuck: the client reads nothing
            async with asyncio.timeout(10):  # not for as long as the client lives
                await answered.wait()
            received = await until_dropped(sock)  # the server's end reached it: its place too
            status, _ = await fetch(f"{server.url}/healthz")
            assert status == 200
        finally:
            sock.close()
        assert received < beyond_socket_buffers()  # the rest was let go, not kept for it


async def test_a_body_written_a_part_at_a_time_arrives_whole_with_its_headers() -> None:
    """`/metrics` is written `PART` bytes at a time, as `/actors` is, not in one wait."""
    async with asyncio.timeout(20), ActorSystem() as system:
        system.metrics.add_source(wide_source)
        server = await system.serve_http(port=0)
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{server.url}/metrics") as answer:
                body = await answer.read()
                assert answer.status == 200 and answer.content_length == len(body)
                assert answer.content_type == "text/plain"
            assert len(body) > beyond_socket_buffers() > _http_send.PART
            assert b"# HELP wide xxx" in body and body.endswith(b"\n")
            async with session.head(f"{server.url}/metrics") as answer:
                assert answer.status == 200 and await answer.read() == b""
                assert answer.content_length is not None and answer.content_length > 0
