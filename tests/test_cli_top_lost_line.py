"""`top` on a stdout that is not a terminal prints a failed poll's `lost URL: ...` as a line
of its own, whole, however long (docs/observability.md): a script reading `top URL > file`
or `top URL | grep lost` gets the URL and the reason on one line, as the error lines on
stderr are never wrapped."""

from __future__ import annotations

import asyncio
import json

import pytest
from aiohttp import web

from .cli_support import (
    ONE_ACTOR,
    Handler,
    Polls,
    endpoint,
    no_metrics,
    tree_of,
    watch_until,
    watched,
)

PREFIX = "/behind/a/proxy/that/serves/many/systems/under/long/paths/east-1"


async def test_a_lost_poll_is_one_whole_line_on_a_stdout_that_is_not_a_terminal(
    capsys: pytest.CaptureFixture[str],
) -> None:
    polls = Polls()
    whole = tree_of(ONE_ACTOR, Polls())

    async def actors(request: web.Request) -> web.StreamResponse:
        if polls() == 2:
            return web.Response(status=503)
        return await whole(request)

    routes: dict[str, Handler] = {f"{PREFIX}/actors": actors, f"{PREFIX}/metrics": no_metrics}
    async with asyncio.timeout(10), endpoint(routes) as base:
        url = base + PREFIX
        await watch_until(url, polls.third)
    lost = f"lost {url}: {PREFIX}/actors answered 503 Service Unavailable"
    assert len(lost) > 120
    assert lost in capsys.readouterr().out.splitlines()


async def test_a_frame_after_the_first_is_printed_whole_as_the_first(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A frame's rows are whole lines too, in the frames after the first as in the first: a
    long actor name widens its table past 80 columns rather than wrap in its cell
    (tests/test_cli_top_piped_width.py)."""
    tree = json.loads(json.dumps(ONE_ACTOR))
    name = "worker-" + "x" * 150
    tree["actors"][0]["name"] = name
    async with asyncio.timeout(10), watched(tree) as (url, third):
        await watch_until(url, third)
    lines = capsys.readouterr().out.splitlines()
    headers = sum("watched" in line for line in lines)
    assert headers >= 2  # the first frame and a later one
    assert sum(name in line for line in lines) == headers
