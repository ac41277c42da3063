"""docs/observability.md's HTTP promises that no other test pins, checked as a client sees
them: a 401's challenge names the scheme the endpoint takes, `/metrics` is never compressed,
no answer carries CORS headers, no request changes the system, and a connection past
`MAX_CONNECTIONS` is told when to come back."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import pytest

from actorkit import ActorSystem, BasicAuth, BearerAuth, OneForOne, SupervisorGaveUp, _http_limit
from actorkit.testing import ManualClock

from .docs_promises_support import BOUND, Agent, Echo
from .http_support import fetch
from .test_metrics import OPTIONAL, run_python

PATHS = ("/metrics", "/healthz", "/actors")


@pytest.mark.parametrize(
    ("auth", "scheme"),
    [
        ("token", "Bearer"),
        (BearerAuth("token"), "Bearer"),
        (("ops", "pw"), "Basic"),
        (BasicAuth("ops", "pw"), "Basic"),
    ],
    ids=["token", "BearerAuth", "pair", "BasicAuth"],
)
async def test_every_path_answers_401_with_the_challenge_of_its_scheme(
    auth: Any, scheme: str
) -> None:
    """ "without valid credentials every path answers 401 with a `WWW-Authenticate`
    challenge": `top` reads its scheme to say which variables to set."""
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        server = await system.serve_http(port=0, auth=auth)
        async with aiohttp.ClientSession() as session:
            for path in PATHS:
                async with session.get(server.url + path) as response:
                    assert response.status == 401, path
                    challenge = response.headers.get("WWW-Authenticate", "")
                    assert challenge.split(" ", 1)[0] == scheme, (path, challenge)


async def test_metrics_are_served_uncompressed_to_a_client_that_takes_gzip() -> None:
    """ "`/metrics` is served uncompressed": gzip would run on the loop outside the guard
    that lets the actors run between scrapes."""
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        await system.spawn(Echo)
        server = await system.serve_http(port=0)
        headers = {"Accept-Encoding": "gzip, deflate"}
        async with (
            aiohttp.ClientSession(auto_decompress=False) as session,
            session.get(server.url + "/metrics", headers=headers) as response,
        ):
            assert response.status == 200
            assert "Content-Encoding" not in response.headers
            assert b"actorkit_actors" in await response.read()


async def test_no_answer_carries_cors_headers_even_to_another_origin() -> None:
    """ "no response carries CORS headers, so a web page of another origin cannot read one"."""
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        server = await system.serve_http(port=0)
        origin = {"Origin": "http://evil.example"}
        preflight = {**origin, "Access-Control-Request-Method": "GET"}
        async with aiohttp.ClientSession() as session:
            for path in PATHS:
                for method, headers in (("GET", origin), ("OPTIONS", preflight)):
                    async with session.request(method, server.url + path, headers=headers) as r:
                        leaked = [h for h in r.headers if h.lower().startswith("access-control-")]
                        assert leaked == [], (method, path, leaked)


async def test_no_request_method_changes_the_system() -> None:
    """ "The endpoints only read: no request changes the system": any other method is refused
    below 500, and the actors are as they were."""
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        ref = await system.spawn(Echo, name="kept")
        server = await system.serve_http(port=0)
        async with aiohttp.ClientSession() as session:
            for method in ("POST", "PUT", "DELETE", "PATCH"):
                for path in (*PATHS, "/actors?path=/kept"):
                    async with session.request(method, server.url + path, data=b"x") as r:
                        assert 400 <= r.status < 500, (method, path, r.status)
        assert await ref.ask("still here") == "still here"
        assert system.lookup("/kept") is not None


async def test_a_connection_past_the_limit_is_told_to_retry_after_a_second(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """ "one more is answered `503` (`Retry-After: 1`) and closed before it is read"."""
    monkeypatch.setattr(_http_limit, "MAX_CONNECTIONS", 1)
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        server = await system.serve_http(port=0)
        _, holder = await asyncio.open_connection("127.0.0.1", server.port)
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        try:
            answer = await reader.read()
        finally:
            writer.close()
            holder.close()
        head = answer.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
        assert head[0] == b"HTTP/1.1 503 Service Unavailable"
        assert b"Retry-After: 1" in head[1:]


async def test_healthz_names_the_system_counts_its_actors_and_gives_the_failure(
    clock: ManualClock,
) -> None:
    """ "`200 {"status": "ok", "system": ..., "actors": n}` while healthy; `503` with
    `"status": "failed"` (and the failure) after a failure escalated past the root"."""
    root = OneForOne(max_restarts=0)
    async with asyncio.timeout(BOUND):
        system = await ActorSystem("watched", clock=clock, supervisor=root).start()
        try:
            server = await system.serve_http(port=0)
            first = await system.spawn(Echo)
            agent = await system.spawn(Agent, name="agent")
            assert await fetch(server.url + "/healthz") == (
                200,
                json.dumps({"status": "ok", "system": "watched", "actors": 2}),
            )
            await first.stop()
            status, body = await fetch(server.url + "/healthz")
            assert (status, json.loads(body)["actors"]) == (200, 1)
            agent.tell("crash")
            await clock.settle()
            status, body = await fetch(server.url + "/healthz")
            failed = json.loads(body)
            assert (status, failed["status"], failed["system"]) == (503, "failed", "watched")
            assert failed["failure"].startswith(SupervisorGaveUp.__name__)
            assert "crash on purpose" in failed["failure"]
        finally:
            await system.shutdown()


def test_reading_the_registry_of_a_system_not_started_loads_prometheus_client_alone() -> None:
    """ "prometheus_client is imported when a system with metrics starts (or when
    `system.metrics.registry` is first read)": the registry is a real one before any start."""
    script = f"""
import sys, actorkit
system = actorkit.ActorSystem()
print({OPTIONAL})
print(type(system.metrics.registry).__name__, {OPTIONAL})
"""
    assert run_python(script).splitlines() == ["[]", "CollectorRegistry ['prometheus_client']"]
