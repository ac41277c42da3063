"""The metrics endpoint under a flood of scrapes: 50 concurrent scrapers (in a separate
process, as Prometheus would be) hammer /metrics and /actors while an actor handles messages.
Every scrape is answered, and the actors run between every two bodies the endpoint builds, as
docs/observability.md says: a flood holds message handling up for one body at a time, never
one per scraper. How long that is, `benchmarks/scrape_flood.py` measures."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.registry import Collector

from actorkit import Actor, ActorSystem
from actorkit import _http_endpoints as endpoints
from actorkit._tree_body import tree_body
from actorkit.testing import instance

from .invariants import TaskSnapshot, assert_settled
from .processes import communicate, process

CLIENT = Path(__file__).resolve().parent.parent / "benchmarks" / "scrape_flood.py"
CONCURRENCY = 50
SCRAPES = 250


class Sink(Actor):
    """Tells itself its next message as it handles one: its mailbox is never empty, so it
    runs at every loop turn (a batch, then a yield). Its count standing still between two
    bodies means they were built with no actor running between them."""

    def __init__(self) -> None:
        self.count = 0
        self.feeding = True

    async def receive(self, message: Any) -> Any:
        if message == "stop":
            self.feeding = False
        elif message == "feed" and self.feeding:
            self.ref.tell("feed")
        self.count += 1
        return self.count


class Idle(Actor):
    async def receive(self, message: Any) -> Any:
        return message


class Bodies(Collector):
    """Notes the sink's count at each body built: `collect` runs once per /metrics body, the
    wrapped `tree_body` once per /actors body."""

    def __init__(self, sink: Sink) -> None:
        self.sink = sink
        self.counts: list[int] = []

    def describe(self) -> list[Any]:
        return []  # registering must not count as a body

    def collect(self) -> list[Any]:
        self.counts.append(self.sink.count)
        return []

    async def tree(self, *args: Any, **kwargs: Any) -> Any:
        self.counts.append(self.sink.count)
        return await tree_body(*args, **kwargs)


async def test_fifty_concurrent_scrapers_are_all_served_and_actors_run_between_two_bodies(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tasks = TaskSnapshot()
    async with ActorSystem("flood") as system:
        server = await system.serve_http(port=0)
        for _ in range(100):
            await system.spawn(Idle)
        sink_ref = await system.spawn(Sink)
        sink = instance(sink_ref)
        assert isinstance(sink, Sink)
        bodies = Bodies(sink)
        system.metrics.registry.register(bodies)
        monkeypatch.setattr(endpoints, "tree_body", bodies.tree)
        sink_ref.tell("feed")
        client = (str(CLIENT), "--client", server.url, "--concurrency", str(CONCURRENCY))
        async with process(
            sys.executable, *client, "--total", str(SCRAPES), "--seconds", "60", stderr=None
        ) as scraper:
            out, _ = await communicate(scraper)
        stopped_at = await sink_ref.ask("stop")
        report = json.loads(out.decode().splitlines()[-1])
        print(f"{len(bodies.counts)} bodies, {stopped_at} messages, {report}")
        assert scraper.returncode == 0
        assert report["scrapes"] == SCRAPES
        assert report["errors"] == 0, report["first_errors"]
        assert len(bodies.counts) == SCRAPES  # one body per scrape
        together = [i for i in range(1, SCRAPES) if bodies.counts[i] == bodies.counts[i - 1]]
        assert not together, f"{len(together)} bodies built with no message handled before them"
        assert stopped_at > 10 * SCRAPES  # messages kept flowing between the scrapes
        assert await sink_ref.ask("after") == sink.count
        await assert_settled(system)
    await tasks.assert_no_leaks()
