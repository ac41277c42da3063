"""`top` on a stdout that is not a terminal prints a failed poll's `lost URL: ...` as a line
of its own, whole, however long (docs/observability.md): a script reading `top URL > file`
or `top URL | grep lost` gets the URL and the reason on one line, as the error lines on
stderr are never wrapped. Before, rich wrapped it at 80 columns into two lines or more."""

from __future__ import annotations

import asyncio
import json

import pytest
from aiohttp import web

from .cli_support import ONE_ACTOR, Handler, endpoint

PREFIX = "/behind/a/proxy/that/serves/many/systems/under/long/paths/east-1"


async def test_a_lost_poll_is_one_whole_line_on_a_stdout_that_is_not_a_terminal(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from actorkit._top import top

    polls = 0
    third = asyncio.Event()

    async def actors(request: web.Request) -> web.Response:
        nonlocal polls
        polls += 1
        if polls == 2:
            return web.Response(status=503)
        if polls == 3:
            third.set()
        return web.Response(text=json.dumps(ONE_ACTOR), content_type="application/json")

    async def metrics(request: web.Request) -> web.Response:
        return web.Response(text="")

    routes: dict[str, Handler] = {f"{PREFIX}/actors": actors, f"{PREFIX}/metrics": metrics}
    async with asyncio.timeout(10), endpoint(routes) as base:
        url = base + PREFIX
        watching = asyncio.ensure_future(top(url, 0.01, False))
        await third.wait()
        watching.cancel()
        with pytest.raises(asyncio.CancelledError):
            await watching
    lost = f"lost {url}: {PREFIX}/actors answered 503 Service Unavailable"
    assert len(lost) > 120
    assert lost in capsys.readouterr().out.splitlines()


async def test_a_frame_after_the_first_keeps_its_table_within_the_width(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Only a lost poll's line is printed whole: a frame's long actor name wraps in its cell,
    in the frames after the first as in the first."""
    from actorkit._top import top

    polls = 0
    third = asyncio.Event()
    tree = json.loads(json.dumps(ONE_ACTOR))
    tree["actors"][0]["name"] = "worker-" + "x" * 150

    async def actors(request: web.Request) -> web.Response:
        nonlocal polls
        polls += 1
        if polls == 3:
            third.set()
        return web.Response(text=json.dumps(tree), content_type="application/json")

    async def metrics(request: web.Request) -> web.Response:
        return web.Response(text="")

    async with asyncio.timeout(10), endpoint({"/actors": actors, "/metrics": metrics}) as url:
        watching = asyncio.ensure_future(top(url, 0.01, False))
        await third.wait()
        watching.cancel()
        with pytest.raises(asyncio.CancelledError):
            await watching
    lines = capsys.readouterr().out.splitlines()
    assert sum("watched" in line for line in lines) >= 2  # the first frame and a later one
    assert max(len(line) for line in lines) <= 80
