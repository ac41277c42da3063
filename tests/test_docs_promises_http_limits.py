"""observability.md's Security notes, held to what the endpoint does: a client that trickles
its headers is closed within `REQUEST_TIMEOUT` of the connection's opening, however often
it sends, and a kept-alive connection idle after an answer is closed within it too; and the
bounds those notes and distributed.md quote have the values they give."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from actorkit import ActorSystem, _http, _http_limit, _http_send
from actorkit._nats import _taken


async def _closed(reader: asyncio.StreamReader) -> bool:
    """The server's close, seen as the end of the stream, or as a reset: a byte the client
    trickled after the close reached a closed socket, whose kernel answers it with RST."""
    try:
        return await reader.read() == b""
    except ConnectionResetError:
        return True


async def test_a_client_trickling_its_headers_is_closed_within_the_request_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_http, "REQUEST_TIMEOUT", 0.5, raising=False)
    async with asyncio.timeout(10), ActorSystem() as system:
        server = await system.serve_http(port=0, auth="secret")
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        closing = asyncio.ensure_future(_closed(reader))
        try:
            writer.write(b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-a: ")
            async with asyncio.timeout(3):  # six times the bound: a byte each 50 ms
                while not closing.done():
                    writer.write(b"a")
                    await asyncio.wait([closing], timeout=0.05)  # the trickle's pace
            assert closing.result()
        finally:
            closing.cancel()
            writer.close()


async def test_a_kept_alive_connection_idle_after_an_answer_is_closed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_http, "REQUEST_TIMEOUT", 0.5, raising=False)
    async with asyncio.timeout(10), ActorSystem() as system:
        server = await system.serve_http(port=0)
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        try:
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            assert (await reader.readline()).startswith(b"HTTP/1.1 200")
            async with asyncio.timeout(3):
                rest = await reader.read()  # the answer's rest, then the close
            assert b"\r\n\r\n" in rest
        finally:
            writer.close()


def test_the_bounds_the_docs_quote_are_the_code_s() -> None:
    """observability.md and distributed.md give each bound's value beside its name."""
    docs = Path(__file__).parent.parent / "docs"
    said = " ".join((docs / "observability.md").read_text().split())
    routing = " ".join((docs / "distributed.md").read_text().split())
    assert f"`REQUEST_TIMEOUT` ({_http.REQUEST_TIMEOUT:g} s," in said
    assert f"`MAX_CONNECTIONS` ({_http_limit.MAX_CONNECTIONS:,})" in said
    assert f"`SEND_TIMEOUT` ({_http_send.SEND_TIMEOUT:g} s:" in said
    for text in (said, routing):
        assert f"`MAX_WAITING_SENDS` ({_taken.MAX_WAITING_SENDS:,})" in text
