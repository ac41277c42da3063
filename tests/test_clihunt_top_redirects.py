"""`top` against an endpoint behind a redirect: what it says names the redirect, not a status
0 nor a token the endpoint never saw."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web

from actorkit import ActorSystem

from .cli_support import TOP_ERROR, endpoint


async def test_a_redirect_loop_is_named_as_one(capsys: pytest.CaptureFixture[str]) -> None:
    from actorkit._top import top

    async def again(request: web.Request) -> web.Response:
        raise web.HTTPFound(str(request.rel_url))

    async with asyncio.timeout(10), endpoint({"/actors": again}) as url:
        assert await top(url, 1.0, True) == 1
    err = capsys.readouterr().err
    assert err == (
        f"{TOP_ERROR}cannot read {url}: /actors was redirected 10 times and never answered "
        "(a redirect loop): pass the URL the system is served on\n"
    )


async def test_credentials_not_sent_past_a_redirect_to_another_origin_are_said_to_be_so(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """aiohttp drops `Authorization` on a redirect to another origin (another port, or https
    for http), as it should: the endpoint's 401 is then for no credentials, not refused ones."""
    from actorkit._top import top

    async with asyncio.timeout(10), ActorSystem("behind") as system:
        served = (await system.serve_http(port=0, auth="s3cret")).url

        async def moved(request: web.Request) -> web.Response:
            raise web.HTTPMovedPermanently(f"{served}{request.rel_url}")

        async with endpoint({"/actors": moved}) as front:
            assert await top(front, 1.0, True, token="s3cret") == 1
    err = capsys.readouterr().err
    assert err == (
        f"{TOP_ERROR}cannot read {front}: 401 Unauthorized from {served}, which {front} "
        f"redirected to: top sends credentials to the URL's own origin only; pass {served}\n"
    )
