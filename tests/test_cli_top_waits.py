"""`top` against endpoints slow, silent, endless or not HTTP, and signals while it waits."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from .cli_support import TOP_ERROR, endpoint, signalled


async def test_one_poll_ends_within_the_timeout_for_both_of_its_requests(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A slow /actors and a /metrics that never answers: the poll, not each request, has
    TIMEOUT."""
    from aiohttp import web

    from actorkit import _top

    async def slow_actors(request: web.Request) -> web.Response:
        await asyncio.sleep(0.8)  # the slow server, not a wait for something
        return web.json_response({"system": "s", "healthy": True, "total": 0, "actors": []})

    async def never(request: web.Request) -> web.Response:
        await answer.wait()
        return web.Response(text="too late")

    answer = asyncio.Event()
    monkeypatch.setattr(_top, "TIMEOUT", 1.0)
    async with asyncio.timeout(10), endpoint({"/actors": slow_actors, "/metrics": never}) as url:
        began = time.monotonic()
        try:
            assert await _top.top(url, 1.0, True) == 1
        finally:
            answer.set()
        took = time.monotonic() - began
    assert capsys.readouterr().err == f"{TOP_ERROR}cannot read {url}: no answer within 1 s\n"
    assert took < 1.5, f"the poll took {took:.2f} s, past its 1 s (a request each: 1.8 s)"


@asynccontextmanager
async def other_protocol(first: bool) -> AsyncIterator[str]:
    """A server of another protocol: one that speaks as a client connects (nats-server's
    `INFO`), or one that answers the request's first bytes with an error of its own."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if first:
            writer.write(b'INFO {"server_id":"N","version":"2.10.0"}\r\n')
        else:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"-ERR unknown command 'GET'\r\n")
        await writer.drain()
        await reader.read()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        server.close()


@pytest.mark.parametrize("first", [True, False], ids=["speaks-first", "answers-in-kind"])
async def test_a_server_that_does_not_speak_http_is_not_said_to_answer_400(
    first: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    from actorkit._top import top

    async with asyncio.timeout(10), other_protocol(first) as url:
        assert await top(url, 1.0, True) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"{TOP_ERROR}cannot read {url}: ") and err.count("\n") == 1
    said = err.removeprefix(f"{TOP_ERROR}cannot read {url}: ")  # the port may hold "400"
    assert "400" not in said and "closing transport" not in said, err
    assert "not HTTP" in err and "is that the port serve_http serves?" in err, err


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
@pytest.mark.parametrize("once", [False, True], ids=["live", "once"])
async def test_a_signal_while_top_waits_for_its_first_answer_ends_it_with_status_0(
    stop: signal.Signals, once: bool
) -> None:
    """Its help says: exit status 0, stopped by Ctrl-C or SIGTERM; the first poll may wait
    5 s for an endpoint that does not answer."""
    from aiohttp import web

    async def silent(request: web.Request) -> web.Response:
        asked.set()
        await done.wait()
        return web.Response(text="too late")

    asked, done = asyncio.Event(), asyncio.Event()
    async with endpoint({"/actors": silent}) as url:
        try:
            status, _, err = await signalled(
                ["top", url, *(["--once"] if once else [])], asked, stop
            )
        finally:
            done.set()
    assert (status, err) == (0, b""), err.decode()


async def test_an_endless_answer_fails_the_poll_once_past_its_bound(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not after reading for TIMEOUT, memory growing all along."""
    from aiohttp import web

    from actorkit import _top

    async def endless(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        await response.prepare(request)
        await response.write(b"[")
        while not done.is_set():
            await response.write(b"0," * 65536)
        return response

    done = asyncio.Event()
    monkeypatch.setattr(_top, "MAX_BODY", 1 << 20, raising=False)
    monkeypatch.setattr(_top, "TIMEOUT", 3.0)
    async with asyncio.timeout(10), endpoint({"/actors": endless}) as url:
        try:
            assert await _top.top(url, 1.0, True) == 1
        finally:
            done.set()
    assert (
        capsys.readouterr().err == f"{TOP_ERROR}cannot read {url}: /actors sent more than 1 MiB\n"
    )


async def test_metrics_that_are_not_utf8_are_one_line_not_a_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from aiohttp import web

    from actorkit._top import top

    async def actors(request: web.Request) -> web.Response:
        return web.json_response({"system": "s", "healthy": True, "total": 0, "actors": []})

    async def metrics(request: web.Request) -> web.Response:
        return web.Response(body=b"up\xff\xfe 1\n", content_type="text/plain")

    async with asyncio.timeout(10), endpoint({"/actors": actors, "/metrics": metrics}) as url:
        assert await top(url, 1.0, True) == 1
    err = capsys.readouterr().err
    assert (
        err.startswith(f"{TOP_ERROR}cannot read {url}: /metrics is not utf-8 text (")
        and err.count("\n") == 1
    ), err
