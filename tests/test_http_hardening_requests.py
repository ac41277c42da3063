"""Hostile request values get a 400 that says what to pass, or a readable answer, not a 500."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from actorkit import ActorSystem

from .http_support import Idle


async def test_a_limit_in_other_digits_is_refused_in_words_and_a_huge_one_is_no_limit() -> None:
    async with ActorSystem() as system, aiohttp.ClientSession() as session:
        server = await system.serve_http(port=0)
        await system.spawn(Idle, name="idle")
        for limit in ("²", "٣", "0" * 40, "-1", "1e3"):
            async with session.get(f"{server.url}/actors", params={"limit": limit}) as response:
                assert response.status == 400
                assert "limit must be a whole number" in (await response.json())["error"]
        for limit, shown in (("9" * 5000, 1), ("0" * 30 + "1", 1)):
            async with session.get(f"{server.url}/actors", params={"limit": limit}) as response:
                assert response.status == 200
                assert len((await response.json())["actors"]) == shown


@pytest.mark.parametrize(
    "path",
    ["/idle\nx", "/idle\t", "/idle\u00a0", "/idle\x00", "/" + "x" * 5000],
    ids=["newline", "tab", "nbsp", "nul", "too-long"],
)
async def test_a_path_no_actor_can_have_is_a_400_that_says_what_to_pass(path: str) -> None:
    async with asyncio.timeout(10), ActorSystem() as system, aiohttp.ClientSession() as session:
        server = await system.serve_http(port=0)
        await system.spawn(Idle, name="idle")
        async with session.get(f"{server.url}/actors", params={"path": path}) as response:
            assert response.status == 400
            error = (await response.json())["error"]
        assert error.startswith("path must be an actor path such as /workers")
        assert "at most 4096 printable characters" in error
        assert len(error) < 200  # a 5000-character path is not echoed whole


@pytest.mark.parametrize(
    "accept",
    [
        "application/openmetrics-text; version=abc",
        "application/openmetrics-text; version=1.x",
        "text/plain; version=x",
        "text/plain; version=1.0.x, application/openmetrics-text; version=1.0.0",
    ],
)
async def test_an_accept_version_prometheus_client_cannot_read_gets_text_format(
    accept: str,
) -> None:
    async with asyncio.timeout(10), ActorSystem() as system, aiohttp.ClientSession() as session:
        server = await system.serve_http(port=0)
        await system.spawn(Idle, name="idle")
        async with session.get(f"{server.url}/metrics", headers={"Accept": accept}) as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
            body = await response.text()
        families = {family.name for family in text_string_to_metric_families(body)}
        assert "actorkit_actor_spawned" in families


async def test_an_accept_prometheus_client_reads_still_chooses_the_format() -> None:
    async with asyncio.timeout(10), ActorSystem() as system, aiohttp.ClientSession() as session:
        server = await system.serve_http(port=0)
        for accept, content_type in [
            ("application/openmetrics-text; version=1.0.0", "application/openmetrics-text"),
            ("text/plain; version=0.0.4", "text/plain; version=0.0.4"),
            ("*/*", "text/plain; version=0.0.4"),
        ]:
            async with session.get(f"{server.url}/metrics", headers={"Accept": accept}) as response:
                assert response.status == 200
                assert response.headers["Content-Type"].startswith(content_type)
