"""Serving HTTP: /healthz, ports, endpoints closing, auth and its arguments (API 7, 9)."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest

from actorkit import ActorSystem, OneForOne
from actorkit._http_auth import BasicAuth, BearerAuth
from actorkit.testing import ManualClock

from .http_support import Echo, fetch


async def test_healthz_flips_to_503_after_a_root_failure(clock: ManualClock) -> None:
    system = await ActorSystem(clock=clock, supervisor=OneForOne(max_restarts=0)).start()
    server = await system.serve_http(port=0)
    status, body = await fetch(f"{server.url}/healthz")
    assert status == 200
    assert json.loads(body)["status"] == "ok"
    ref = await system.spawn(Echo)
    ref.tell("crash")
    await clock.advance(0)
    status, body = await fetch(f"{server.url}/healthz")
    assert status == 503
    assert json.loads(body)["status"] == "failed"
    await system.shutdown()
    assert system.failure is not None
    with pytest.raises(aiohttp.ClientConnectionError):
        await fetch(f"{server.url}/healthz")  # closed when the system exited


async def test_port_zero_picks_a_free_port_and_a_busy_port_is_named() -> None:
    async with ActorSystem() as system:
        server = await system.serve_http(port=0)
        assert server.port > 0
        assert server.host == "127.0.0.1"
        assert repr(server) == f"<HttpServer http://127.0.0.1:{server.port}>"
        with pytest.raises(OSError, match=f"127.0.0.1:{server.port}.*already in use"):
            await system.serve_http(port=server.port)
        await server.close()
        await server.close()  # closing twice is harmless


async def test_endpoints_closed_by_their_owner_are_not_kept_and_the_rest_close_at_shutdown() -> (
    None
):
    async with ActorSystem() as system:
        for _ in range(3):
            await (await system.serve_http(port=0)).close()
        assert system._servers == []  # noqa: SLF001  # serving for ever keeps none closed
        kept = await system.serve_http(port=0)
        assert system._servers == [kept]  # noqa: SLF001
    with pytest.raises(aiohttp.ClientConnectionError):
        async with aiohttp.ClientSession() as session, session.get(f"{kept.url}/healthz"):
            pass


@pytest.mark.parametrize(
    ("auth", "good", "bad"),
    [
        ("s3cret", {"Authorization": "Bearer s3cret"}, {"Authorization": "Bearer nope"}),
        (BearerAuth("s3cret"), {"Authorization": "Bearer s3cret"}, {}),
        (("ops", "pw"), {"Authorization": "Basic b3BzOnB3"}, {"Authorization": "Basic b3BzOng="}),
        (BasicAuth("ops", "pw"), {"Authorization": "Basic b3BzOnB3"}, {"Authorization": "Basic !"}),
    ],
)
async def test_auth_answers_401_without_credentials(
    auth: Any, good: dict[str, str], bad: dict[str, str]
) -> None:
    async with ActorSystem() as system:
        server = await system.serve_http(port=0, auth=auth)
        for path in ("/metrics", "/healthz", "/actors"):
            assert (await fetch(f"{server.url}{path}"))[0] == 401
            assert (await fetch(f"{server.url}{path}", headers=bad))[0] == 401
            assert (await fetch(f"{server.url}{path}", headers=good))[0] == 200


async def test_bad_auth_and_port_arguments() -> None:
    async with ActorSystem() as system:
        with pytest.raises(TypeError, match="bearer token"):
            await system.serve_http(port=0, auth=42)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="port"):
            await system.serve_http(port=70000)


async def test_non_loopback_without_auth_warns(caplog: pytest.LogCaptureFixture) -> None:
    async with ActorSystem() as system:
        server = await system.serve_http(host="0.0.0.0", port=0)
        await server.close()
    assert "without auth" in caplog.text


async def test_non_loopback_with_auth_does_not_warn(caplog: pytest.LogCaptureFixture) -> None:
    async with ActorSystem() as system:
        server = await system.serve_http(host="0.0.0.0", port=0, auth="s3cret")
        await server.close()
    assert "without auth" not in caplog.text


async def test_the_highest_port_is_a_port() -> None:
    async with ActorSystem() as system:
        for outside in (-1, 65536):
            with pytest.raises(ValueError, match="port must be"):
                await system.serve_http(port=outside)
        try:
            server = await system.serve_http(port=65535)
        except OSError:
            return  # held by someone else: still not refused as out of range
        assert server.port == 65535
        await server.close()
