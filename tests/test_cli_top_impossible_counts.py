"""`top` against an endpoint whose `/metrics` parses but gives a total it draws as no count
(NaN, an infinity, a negative count): no actorkit system exports one, so it is a server
`top` cannot read, one line on stderr and exit 1 (docs/observability.md), not a traceback out
of drawing the header; while watching, that poll is lost and the next one tries again."""

from __future__ import annotations

import asyncio
import json

import pytest
from aiohttp import web

from .cli_support import ONE_ACTOR, TOP_ERROR, Polls, endpoint, watch_until

IMPOSSIBLE = [
    "# TYPE actorkit_messages_processed counter\nactorkit_messages_processed_total NaN\n",
    '# TYPE actorkit_dead_letters counter\nactorkit_dead_letters_total{reason="x"} +Inf\n',
    "# TYPE actorkit_actor_restarts counter\nactorkit_actor_restarts_total -Inf\n",
    "# TYPE actorkit_event_loop_lag_seconds histogram\n"
    "actorkit_event_loop_lag_seconds_count -4\nactorkit_event_loop_lag_seconds_sum 1\n",
    '# TYPE actorkit_dead_letters counter\nactorkit_dead_letters_total{reason="x"} -0.5\n',
    "# TYPE actorkit_event_loop_lag_seconds histogram\n"
    "actorkit_event_loop_lag_seconds_count 4\nactorkit_event_loop_lag_seconds_sum -1\n",
]


async def _actors(request: web.Request) -> web.Response:
    return web.Response(text=json.dumps(ONE_ACTOR), content_type="application/json")


@pytest.mark.parametrize("metrics", IMPOSSIBLE)
async def test_top_once_fails_in_one_line_on_a_total_that_is_no_count(
    metrics: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from actorkit._top import top

    async def answer(request: web.Request) -> web.Response:
        return web.Response(text=metrics)

    async with asyncio.timeout(10), endpoint({"/actors": _actors, "/metrics": answer}) as url:
        assert await top(url, 1.0, True) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"{TOP_ERROR}cannot read {url}: /metrics gives actorkit_")
    assert err.endswith("not a count\n") and err.count("\n") == 1


async def test_top_watching_shows_a_poll_with_no_count_as_lost_and_goes_on(
    capsys: pytest.CaptureFixture[str],
) -> None:
    polls = Polls()

    async def answer(request: web.Request) -> web.Response:
        return web.Response(text=IMPOSSIBLE[0] if polls() == 2 else "")

    async with asyncio.timeout(10), endpoint({"/actors": _actors, "/metrics": answer}) as url:
        await watch_until(url, polls.third)
    out = " ".join(capsys.readouterr().out.split())  # the line as rich wraps it, joined
    assert (
        f"lost {url}: /metrics gives actorkit_messages_processed_total as nan, not a count" in out
    )
    assert out.count("watched  healthy") == 0 and out.count("watched healthy") == 2
