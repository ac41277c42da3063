"""The watchdog's thread waits for its turn instead of fighting a busy loop for the GIL.

A loop busy with short yields (senders waiting on a full mailbox, an actor yielding every
128 messages) lets go of the GIL for microseconds at a time. A thread that woke by itself
then could not take it back for 0.2-0.9 s (CPython's convoy effect), spinning on another
core all that while and slowing the loop by 12-15%. The heartbeat hands it its turn."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from actorkit import ActorSystem, _watchdog

from .actors_support import Counter

SENDS = 1_000_000
"""Bounded sends: about 0.3 s of a loop busy with short yields: a dozen of the thread's turns."""

THREAD_CPU_BOUND = 0.010
"""CPU seconds the watchdog's thread may use meanwhile: a turn costs tens of microseconds;
a thread fighting for the GIL burned 20-100 ms in each of its looks."""

THREAD_CPU_SHARE = 0.02
"""Or this share of the wall time the sends took, if more: a loaded machine stretches the
run, and the thread takes a turn every quarter of the threshold however long it runs (11.9
ms in a run under a load of 6); a thread fighting for the GIL spins most of that time."""


def watchdog_thread(before: set[threading.Thread]) -> threading.Thread:
    new = [thread for thread in threading.enumerate() if thread not in before]
    (watchdog,) = [thread for thread in new if thread.name == "actorkit-watchdog"]
    return watchdog


@pytest.mark.skipif(not hasattr(time, "pthread_getcpuclockid"), reason="per-thread CPU clocks")
async def test_the_watchdog_thread_spends_no_cpu_on_a_loop_busy_with_short_yields() -> None:
    before = set(threading.enumerate())
    async with asyncio.timeout(30), ActorSystem(metrics=False, blocked_threshold=0.1) as system:
        thread = watchdog_thread(before)
        assert thread.ident is not None
        clock = time.pthread_getcpuclockid(thread.ident)
        counter = await system.spawn(Counter, mailbox_size=1000)
        started = time.clock_gettime(clock)
        wall = time.monotonic()
        for i in range(SENDS):
            await counter.send(i)
        assert await counter.ask("get") == SENDS * (SENDS - 1) // 2
        used = time.clock_gettime(clock) - started
        wall = time.monotonic() - wall
    bound = max(THREAD_CPU_BOUND, THREAD_CPU_SHARE * wall)
    assert used < bound, (
        f"the watchdog's thread used {used * 1e3:.1f} ms of CPU in {wall:.2f} s of sends"
    )


async def test_a_heartbeat_holds_the_loop_only_until_the_thread_has_its_turn(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The thread answers each turn at once: a heartbeat that waited out `HANDOVER` instead
    would hold the loop that long every quarter of the threshold. With the bound made 2 s,
    0.1 s of the loop's time (twenty heartbeats) must not take seconds."""
    monkeypatch.setattr(_watchdog, "HANDOVER", 2.0)
    async with asyncio.timeout(30), ActorSystem(metrics=False, blocked_threshold=0.02):
        loop = asyncio.get_running_loop()
        started = time.monotonic()
        later = loop.create_future()
        loop.call_later(0.1, later.set_result, None)
        await later
        took = time.monotonic() - started
    assert took < 1.0, f"0.1 s of heartbeats took {took:.2f} s"
