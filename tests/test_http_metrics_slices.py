"""/metrics walks the live actors a slice per loop turn, and its figures stay those of a
one-step walk: the same text when nothing changes meanwhile, and an
`actorkit_messages_processed_total` that never goes back while actors stop during the walk
(a fall reads as a counter reset in Prometheus). docs/observability.md, "/metrics"."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest
from prometheus_client import generate_latest

from actorkit import Actor, ActorSystem
from actorkit import _metric_scrape as scrape
from actorkit._mailbox import Mailbox

from .http_support import Idle, Turns, fetch
from .test_http_metrics import value

SLICE = 8


class Worker(Actor):
    async def receive(self, message: Any) -> Any:
        return message


class Held(Actor):
    """Holds its first message until `release` is set: what comes after stays queued.
    `in_hand` is set once `expected` of them hold one."""

    release: asyncio.Event
    in_hand: asyncio.Event
    expected = 0

    async def receive(self, message: Any) -> Any:
        Held.expected -= 1
        if Held.expected == 0:
            self.in_hand.set()
        await self.release.wait()
        return message


@pytest.fixture(autouse=True)
def small_slices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scrape, "SLICE", SLICE)


async def test_no_loop_turn_reads_more_than_a_slice_of_actors(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each live actor's processed count is read once per scrape: noted with its turn."""
    read_in: list[int] = []
    processed = vars(Mailbox)["processed"].fget

    def noted(mailbox: Mailbox) -> int:
        read_in.append(turns.count)
        count: int = processed(mailbox)
        return count

    async with asyncio.timeout(30), ActorSystem() as system:
        server = await system.serve_http(port=0)
        for _ in range(20 * SLICE):
            await system.spawn(Idle)
        turns = Turns()
        monkeypatch.setattr(Mailbox, "processed", property(noted))
        status, text = await fetch(f"{server.url}/metrics")
        monkeypatch.undo()
        turns.task.cancel()
        assert status == 200
        assert value(text, "actorkit_actors", actor_type="Idle", state="running") == 20 * SLICE
    assert len(read_in) == 20 * SLICE
    per_turn = Counter(read_in)
    assert max(per_turn.values()) <= SLICE, per_turn
    assert len(per_turn) == 20


async def test_a_scrape_over_many_slices_shows_what_a_one_step_scrape_shows() -> None:
    async with asyncio.timeout(30), ActorSystem() as system:
        Held.release, Held.in_hand, Held.expected = asyncio.Event(), asyncio.Event(), 5 * SLICE
        server = await system.serve_http(port=0)
        held = [await system.spawn(Held, mailbox_size=4) for _ in range(5 * SLICE)]
        for i, ref in enumerate(held):
            for n in range(1 + i % 4):  # one in hand, up to three queued
                ref.tell(n)
        await Held.in_hand.wait()
        _, text = await fetch(f"{server.url}/metrics")
        one_step = generate_latest(system.metrics.registry).decode()
        Held.release.set()
    lines = [line for line in text.splitlines() if "event_loop" not in line]
    assert lines == [line for line in one_step.splitlines() if "event_loop" not in line]
    assert value(text, "actorkit_actors", actor_type="Held", state="running") == 5 * SLICE
    assert value(text, "actorkit_mailbox_size", actor_type="Held") == 5 * SLICE * 6 / 4
    assert value(text, "actorkit_mailbox_size_max", actor_type="Held") == 3
    assert value(text, "actorkit_mailbox_fill_ratio", actor_type="Held") == 3 / 4


async def test_processed_neither_rises_nor_falls_while_idle_actors_stop_during_a_scrape() -> None:
    """No message is handled while the scrapes run, only stops: every scrape must show the
    same count, though actors that were walked stop before the scrape ends (their count
    moves to the retired ones) and actors not yet walked stop (no longer live)."""
    async with asyncio.timeout(30), ActorSystem() as system:
        server = await system.serve_http(port=0)
        workers = [await system.spawn(Worker) for _ in range(10 * SLICE)]
        for ref in workers:
            for n in range(49):
                ref.tell(n)
        await asyncio.gather(*(ref.ask("sync") for ref in workers))
        handled = 50 * len(workers)
        stop = asyncio.Event()
        stopped = 0

        async def churn() -> None:
            """Stops a worker the walk reaches first, then one it reaches last, each time
            starting a new one, once per loop turn (a stop and a spawn of an idle actor may
            both end without yielding)."""
            nonlocal stopped
            while not stop.is_set() and workers:
                await workers.pop(-(stopped % 2)).stop()
                await system.spawn(Worker)
                stopped += 1
                await asyncio.sleep(0)

        churning = asyncio.create_task(churn())
        seen = []
        for _ in range(15):
            _, text = await fetch(f"{server.url}/metrics")
            seen.append(value(text, "actorkit_messages_processed_total", actor_type="Worker"))
        stop.set()
        await churning
    assert stopped > 15  # actors stopped while scrapes walked the others
    assert seen == [handled] * len(seen)
