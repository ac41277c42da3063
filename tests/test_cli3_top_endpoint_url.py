"""`top` given a URL near the right one, each error naming the URL to pass instead: the URL
of one of a system's endpoints (the demo prints its `/metrics` URL first; `top` puts
`/actors` and `/metrics` after the URL it is given), or `https://` for an endpoint that
serve_http serves over plain HTTP."""

from __future__ import annotations

import asyncio

import pytest

from actorkit import ActorSystem
from actorkit._top import NOT_TLS, top


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


async def test_https_to_an_endpoint_served_over_http_says_to_pass_http(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """serve_http has no TLS: `https://` by habit meets OpenSSL's words for a peer that
    answered no TLS (`WRONG_VERSION_NUMBER`), which say nothing of what to change."""
    async with ActorSystem("observed") as system:
        server = await system.serve_http(port=0)
        async with asyncio.timeout(10):
            status = await top(server.url.replace("http://", "https://"), 1.0, True)
    assert status == 1
    said = capsys.readouterr().err
    assert f"cannot read https://127.0.0.1:{server.port}: no TLS answered" in said, said
    assert "serve_http serves http://: pass the URL with http://" in said, said
    assert any(f"no TLS answered ({reason}): " in said for reason in NOT_TLS), said
