"""Embedding actorkit in a web app: the ActorSystem lives as long as the aiohttp app (its
cleanup context), handlers talk to actors with ask, and the app's own /metrics serves the
system's Prometheus registry."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

import actorkit
from actorkit import Actor, ActorSystem

SYSTEM = web.AppKey("system", ActorSystem)


class Visits(Actor):
    def __init__(self) -> None:
        self.by_page: dict[str, int] = {}

    async def receive(self, message: Any) -> Any:
        kind, page = message
        if kind == "hit":
            self.by_page[page] = self.by_page.get(page, 0) + 1
        return self.by_page.get(page, 0)


async def actor_system(app: web.Application) -> AsyncIterator[None]:
    """The app's lifespan: start the system before serving, shut it down gracefully after."""
    async with ActorSystem("web") as system:
        await system.spawn(Visits, name="visits")
        app[SYSTEM] = system
        yield


async def hit(request: web.Request) -> web.Response:
    system = request.app[SYSTEM]
    count = await system.ask("/visits", ("hit", request.match_info["page"]), timeout=1.0)
    return web.json_response({"page": request.match_info["page"], "visits": count})


async def metrics(request: web.Request) -> web.Response:
    """Rendered on the loop, where the actors keep their counts (`system.serve_http()` would
    serve the same on a port of its own)."""
    body = generate_latest(request.app[SYSTEM].metrics.registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def make_app() -> web.Application:
    app = web.Application()
    app.cleanup_ctx.append(actor_system)
    app.router.add_get("/hit/{page}", hit)
    app.router.add_get("/metrics", metrics)
    return app


async def main() -> list[int]:
    runner = web.AppRunner(make_app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)  # a real server on a free loopback port
    await site.start()
    port = runner.addresses[0][1]
    counts = []
    try:
        async with aiohttp.ClientSession() as session:
            for page in ["home", "home", "about"]:
                async with session.get(f"http://127.0.0.1:{port}/hit/{page}") as response:
                    counts.append((await response.json())["visits"])
            async with session.get(f"http://127.0.0.1:{port}/metrics") as response:
                exposition = await response.text()
    finally:
        await runner.cleanup()
    print(counts)
    print(
        *(line for line in exposition.splitlines() if line.startswith("actorkit_asks_")), sep="\n"
    )
    return counts


if __name__ == "__main__":
    actorkit.run(main())
