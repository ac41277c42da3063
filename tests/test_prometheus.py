"""A real Prometheus scrapes a running demo, and the series come back through its query API.

Waiting is event-driven: Prometheus scrapes through a small proxy in this process that
signals each scrape, and every query follows a signalled scrape.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from .processes import HeldPort, process

PROMETHEUS = shutil.which("prometheus")
pytestmark = pytest.mark.skipif(
    PROMETHEUS is None and not os.environ.get("CI"),
    reason="the prometheus binary is not installed (CI installs Debian's package)",
)


async def demo_url(demo: asyncio.subprocess.Process) -> str:
    assert demo.stdout is not None
    async with asyncio.timeout(30):
        while line := (await demo.stdout.readline()).decode():
            found = re.search(r"metrics: (http://\S+)/metrics", line)
            if found:
                return found.group(1)
    raise AssertionError("the demo never printed its metrics URL")


@asynccontextmanager
async def scrape_proxy(target: str) -> AsyncIterator[tuple[int, asyncio.Queue[None]]]:
    """Forwards /metrics to the demo and signals each scrape."""
    scrapes: asyncio.Queue[None] = asyncio.Queue()

    async def forward(request: web.Request) -> web.Response:
        async with aiohttp.ClientSession() as session, session.get(f"{target}/metrics") as got:
            body = await got.read()
            response = web.Response(body=body, status=got.status)
            response.content_type = got.content_type
        scrapes.put_nowait(None)
        return response

    app = web.Application()
    app.router.add_get("/metrics", forward)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield runner.addresses[0][1], scrapes
    finally:
        await runner.cleanup()


async def test_real_prometheus_scrapes_the_demo(tmp_path: Path) -> None:
    assert PROMETHEUS is not None, "CI must install prometheus (see .ci/run)"
    demo_args = ("-m", "actorkit", "demo", "--port", "0", "--duration", "60")
    async with process(sys.executable, *demo_args) as demo:
        url = await demo_url(demo)
        async with scrape_proxy(url) as (proxy_port, scrapes):
            config = tmp_path / "prometheus.yml"
            config.write_text(
                "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                "scrape_configs:\n  - job_name: actorkit\n    static_configs:\n"
                f"      - targets: ['127.0.0.1:{proxy_port}']\n"
            )
            with HeldPort(shared=True) as web:
                await query_prometheus(config, tmp_path / "data", web.port, scrapes)


async def query_prometheus(
    config: Path, data: Path, web_port: int, scrapes: asyncio.Queue[None]
) -> None:
    assert PROMETHEUS is not None
    async with process(
        PROMETHEUS,
        f"--config.file={config}",
        f"--storage.tsdb.path={data}",
        f"--web.listen-address=127.0.0.1:{web_port}",
    ):
        query = f"http://127.0.0.1:{web_port}/api/v1/query"
        series: list[dict[str, object]] = []
        async with asyncio.timeout(90), aiohttp.ClientSession() as session:
            for _ in range(10):
                await scrapes.get()  # a scrape happened; query what it stored
                params = {"query": 'actorkit_messages_processed_total{job="actorkit"}'}
                async with session.get(query, params=params) as response:
                    body = await response.json()
                series = body["data"]["result"]
                if series:
                    break
        assert series, "Prometheus stored no actorkit_messages_processed_total series"
        types = {s["metric"]["actor_type"] for s in series}  # type: ignore[index]
        assert "Translator" in types
        assert any(float(s["value"][1]) > 0 for s in series)  # type: ignore[index]
