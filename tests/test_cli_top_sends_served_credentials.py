"""`top` sends every credential `serve_http` serves with: the two refuse the same values (a
control character, a lone surrogate), so no endpoint takes a token or password that its own
terminal view refuses to send. Before, `top` refused whatever `str.isprintable` refuses, a
no-break space, a zero-width space or a C1 character (copied from a web page or a password
manager) among them, all of which `serve_http` takes (docs/observability.md)."""

from __future__ import annotations

import asyncio

import pytest

from actorkit import ActorSystem

TAKEN = ["p\u00a0w", "to\u200bken", "a\x85b", "\u20acuro", "\u043f\u0430\u0440\u043e\u043b\u044c"]


@pytest.mark.parametrize("secret", TAKEN, ids=ascii)
async def test_top_sends_a_token_and_a_password_the_endpoint_is_served_with(
    secret: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from actorkit._top import top

    async with asyncio.timeout(10), ActorSystem("guarded") as system:
        bearer = await system.serve_http(port=0, auth=secret)
        basic = await system.serve_http(port=0, auth=("ops", secret))
        assert await top(bearer.url, 1.0, True, token=secret) == 0
        assert await top(basic.url, 1.0, True, user="ops", password=secret) == 0
    out, err = capsys.readouterr()
    assert out.count("guarded") == 2 and err == ""


@pytest.mark.parametrize("secret", ["two\nlines", "nul\x00", "bytes\udc80"], ids=ascii)
async def test_top_refuses_what_no_endpoint_is_served_with(
    secret: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from actorkit._top import top

    async with asyncio.timeout(10), ActorSystem("guarded") as system:
        with pytest.raises(ValueError):
            await system.serve_http(port=0, auth=secret)
        server = await system.serve_http(port=0, auth="s3cret")
        assert await top(server.url, 1.0, True, token=secret) == 1
    err = capsys.readouterr().err
    assert "ACTORKIT_HTTP_TOKEN must be one line of printable text" in err
    assert err.count("\n") == 1
