"""Exported figures that must add up to what happened, each pinned by the smallest case that
broke it: the figures a scrape serves (parsed from the text exposition, as Prometheus reads
it), against what the actors did."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from actorkit import Actor, ActorSystem

from .metrics_truth_support import sample, scraped


class Holds(Actor):
    """Handles "hold" by waiting on an event it never gets: only a forced stop ends it."""

    def __init__(self, entered: asyncio.Event) -> None:
        self.entered = entered

    async def receive(self, message: Any) -> Any:
        if message == "hold":
            self.entered.set()
            await asyncio.Event().wait()
        return message


async def test_a_forced_stop_keeps_the_handling_time_of_the_messages_its_batch_handled() -> None:
    """The messages handled before the one a forced stop cut off are counted as processed,
    so each is a handling-time sample too: `_count` of the histogram is the processed count."""
    entered = asyncio.Event()
    async with asyncio.timeout(10), ActorSystem() as system:
        ref = await system.spawn(Holds, entered)
        for message in ("a", "b", "hold"):  # queued before the actor runs: one batch
            ref.tell(message)
        await entered.wait()
        await ref.stop(timeout=0)
        samples = scraped(system)
    processed = sample(samples, "actorkit_messages_processed_total", actor_type="Holds")
    timed = sample(samples, "actorkit_message_processing_seconds_count", actor_type="Holds")
    assert (processed, timed) == (2.0, 2.0)


SPIN = 0.05
"""Seconds a "spin" holds the loop, as a handler at work does."""


class Spins(Holds):
    async def receive(self, message: Any) -> Any:
        if message == "spin":
            end = time.perf_counter() + SPIN
            while time.perf_counter() < end:
                pass
            return message
        return await super().receive(message)


async def test_a_forced_stop_shares_its_batchs_time_out_among_the_messages_it_handled() -> None:
    """Each handled message is a sample at the batch's mean: their sum is the batch's time,
    not that time once a message."""
    entered = asyncio.Event()
    async with asyncio.timeout(10), ActorSystem(blocked_threshold=10) as system:
        ref = await system.spawn(Spins, entered)
        began = time.perf_counter()
        for message in ("spin", "spin", "hold"):  # queued before the actor runs: one batch
            ref.tell(message)
        await entered.wait()
        await ref.stop(timeout=0)
        took = time.perf_counter() - began
        samples = scraped(system)
    timed = sample(samples, "actorkit_message_processing_seconds_sum", actor_type="Spins")
    assert sample(samples, "actorkit_message_processing_seconds_count", actor_type="Spins") == 2
    assert 2 * SPIN <= timed <= took


class Echo(Actor):
    async def receive(self, message: Any) -> Any:
        return message


async def test_two_systems_in_one_process_count_apart_and_never_in_the_global_registry() -> None:
    """Same class, same actor names, same system name, running at once: each registry holds
    its own system's figures only, and a system run after another on a registry passed in
    starts from its own zero, while the first one's figures stay in its private registry."""
    from prometheus_client import REGISTRY, CollectorRegistry

    shared = CollectorRegistry()
    async with asyncio.timeout(10):
        async with ActorSystem("app") as first, ActorSystem("app", registry=shared) as second:
            for system, asks in ((first, 3), (second, 1)):
                ref = await system.spawn(Echo, name="echo")
                for n in range(asks):
                    assert await ref.ask(n) == n
            counts = [
                sample(scraped(system), "actorkit_asks_total", actor_type="Echo", outcome="ok")
                for system in (first, second)
            ]
        async with ActorSystem("app", registry=shared) as third:
            assert await (await third.spawn(Echo, name="echo")).ask("x") == "x"
            counts.append(
                sample(scraped(third), "actorkit_asks_total", actor_type="Echo", outcome="ok")
            )
    counts.append(sample(scraped(first), "actorkit_asks_total", actor_type="Echo", outcome="ok"))
    assert counts == [3.0, 1.0, 1.0, 3.0]
    assert not [family for family in REGISTRY.collect() if family.name.startswith("actorkit")]


class FailsWhenAsked(Actor):
    def __init__(self, failing: asyncio.Event) -> None:
        self.failing = failing

    async def receive(self, message: Any) -> Any:
        self.failing.set()  # wakes the test before the asker, which waits on the answer
        raise ValueError("fails on purpose")


async def test_an_ask_whose_error_was_set_counts_as_an_error_though_its_asker_was_cancelled() -> (
    None
):
    """As an ask whose reply was set counts as `ok` even if its asker was cancelled before
    taking it (observability.md), one whose error was set counts as `error`: the handler's
    failure is what became of it, not the asker's cancellation."""
    failing = asyncio.Event()
    async with asyncio.timeout(10), ActorSystem() as system:
        ref = await system.spawn(FailsWhenAsked, failing)
        asking = asyncio.ensure_future(ref.ask("go"))
        await failing.wait()  # the handler has raised: the ask's error is set
        asking.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asking
        samples = scraped(system)
    outcomes = {
        outcome: sample(
            samples, "actorkit_asks_total", actor_type="FailsWhenAsked", outcome=outcome
        )
        for outcome in ("error", "cancelled")
    }
    assert outcomes == {"error": 1.0, "cancelled": 0.0}
