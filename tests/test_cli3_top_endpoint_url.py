"""`top` given the URL of one of a system's endpoints (the demo prints its `/metrics` URL
first): `top` puts `/actors` and `/metrics` after the URL it is given, and the 404 it then
meets names the URL to pass instead."""

from __future__ import annotations

import asyncio

import pytest

from actorkit import ActorSystem
from actorkit._top import top


@pytest.mark.parametrize("endpoint", ["/metrics", "/actors", "/healthz", "/metrics/"])
async def test_an_endpoint_s_url_is_answered_with_the_system_s_url(
    endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    async with ActorSystem("observed") as system:
        server = await system.serve_http(port=0)
        async with asyncio.timeout(10):
            status = await top(server.url + endpoint, 1.0, True)
    assert status == 1
    said = capsys.readouterr().err
    assert said.endswith(
        f"answered 404 Not Found: that is the system's {endpoint.rstrip('/')} URL; "
        f"pass the system's own: {server.url}\n"
    ), said


async def test_another_404_says_no_more_than_the_answer(
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with ActorSystem("observed") as system:
        server = await system.serve_http(port=0)
        async with asyncio.timeout(10):
            assert await top(server.url + "/elsewhere", 1.0, True) == 1
    assert capsys.readouterr().err.endswith("/elsewhere/actors answered 404 Not Found\n")
