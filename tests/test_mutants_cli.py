"""The command line's defaults and what `top` asks and shows of an endpoint that goes away,
where mutants of `_cli` and `_top` survived the command tests."""

from __future__ import annotations

import asyncio
import io
import json
from typing import Any

import pytest
from aiohttp import web
from rich.console import Console

from actorkit import ActorSystem
from actorkit._cli import main
from actorkit._top_frame import ROWS

from .cli_support import ONE_ACTOR, TOP_ERROR, endpoint, top_until


def test_demo_binds_loopback_on_9464_and_top_reads_it_there_by_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The demo's and top's defaults are applied after parsing (a flag given with --no-http,
    or --interval with --once, is refused), so what each is handed is read where it would
    start."""
    handed: dict[str, Any] = {}

    def run_demo(**options: Any) -> int:
        handed.update(options)
        return 0

    async def top(url: str, interval: float, once: bool, *_: object) -> int:
        handed.update(url=url, interval=interval, once=once)
        return 0

    monkeypatch.setattr("actorkit._demo.run_demo", run_demo)
    monkeypatch.setattr("actorkit._top.top", top)
    assert main(["demo"]) == 0
    assert (handed["host"], handed["port"]) == ("127.0.0.1", 9464)
    assert main(["top"]) == 0
    assert (handed["url"], handed["interval"], handed["once"]) == (
        "http://127.0.0.1:9464", 1.0, False,
    )  # fmt: skip


async def test_top_asks_for_the_rows_it_shows_and_no_more() -> None:
    """A system of 100,000 actors answers forty nodes a poll, not its whole tree."""
    from actorkit._top import top

    asked: list[dict[str, str]] = []

    async def actors(request: web.Request) -> web.Response:
        asked.append(dict(request.query))
        return web.json_response(ONE_ACTOR)

    async def metrics(request: web.Request) -> web.Response:
        return web.Response(text="")

    console = Console(record=True, width=120, file=io.StringIO())
    async with asyncio.timeout(10), endpoint({"/actors": actors, "/metrics": metrics}) as url:
        assert await top(url + "/", 1.0, True, console) == 0
    assert asked == [{"limit": str(ROWS)}]
    assert "One" in console.export_text()


async def test_top_shows_an_endpoint_it_lost_and_keeps_polling_until_stopped() -> None:
    """The first poll answers, the rest fail: the view says what it lost, in one line,
    and still ends on SIGTERM with status 0."""
    polls = 0
    failing = asyncio.Event()

    async def actors(request: web.Request) -> web.Response:
        nonlocal polls
        polls += 1
        if polls == 1:
            return web.Response(text=json.dumps(ONE_ACTOR), content_type="application/json")
        if polls == 3:
            failing.set()
        return web.Response(status=503, text="down")

    async def metrics(request: web.Request) -> web.Response:
        return web.Response(text="")

    async with endpoint({"/actors": actors, "/metrics": metrics}) as url:
        status, out, err = await top_until(url, failing)
    assert (status, err) == (0, b"")
    assert f"lost {url}: /actors answered 503 Service Unavailable".encode() in out


async def test_top_sends_the_token_without_the_spaces_around_it() -> None:
    """A variable set with padding sends the token alone: actorkit's endpoint strips the
    header's value, but a proxy in front of it may not."""
    from actorkit._top import top

    sent: list[str | None] = []

    async def actors(request: web.Request) -> web.Response:
        sent.append(request.headers.get("Authorization"))
        return web.json_response(ONE_ACTOR)

    async def metrics(request: web.Request) -> web.Response:
        return web.Response(text="")

    console = Console(file=io.StringIO())
    async with asyncio.timeout(10), endpoint({"/actors": actors, "/metrics": metrics}) as url:
        assert await top(url, 1.0, True, console, token="  s3cret  ") == 0
    assert sent == ["Bearer s3cret"]


async def test_top_says_an_endpoint_that_takes_a_token_needs_one_when_given_basic_auth(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from actorkit._top import top

    async with asyncio.timeout(10), ActorSystem("guarded") as system:
        server = await system.serve_http(port=0, auth="s3cret-token")
        assert await top(server.url, 1.0, True, user="ops", password="pw") == 1
    shown = capsys.readouterr().err
    assert "401 Unauthorized: set ACTORKIT_HTTP_TOKEN to the token it is served with" in shown


async def test_top_names_a_metrics_endpoint_that_answers_an_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from actorkit._top import top

    async def actors(request: web.Request) -> web.Response:
        return web.json_response(ONE_ACTOR)

    async def metrics(request: web.Request) -> web.Response:
        return web.Response(status=500, text="")

    async with asyncio.timeout(10), endpoint({"/actors": actors, "/metrics": metrics}) as url:
        assert await top(url, 1.0, True) == 1
    err = capsys.readouterr().err
    assert err == f"{TOP_ERROR}cannot read {url}: /metrics answered 500 Internal Server Error\n"
