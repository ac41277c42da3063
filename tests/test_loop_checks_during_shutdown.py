"""A ref's `stop`, a pool's `resize` and an `ask` run on an event loop in another thread while
the system shuts down (its actors still draining, the system accepting nothing) are refused
as at any other time, with the `RuntimeError` saying how to hand them to the system's loop
(docs/api.md §1). Before, the check was skipped once the system stopped accepting, as if
each call refused itself then: the resize ran from the other thread (then timed out), the
stop and the ask failed with asyncio's bare "attached to a different loop", and an ask at a
full mailbox waited out its timeout."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from actorkit import ActorSystem

from .test_embedding_wrong_thread import Held, on_another_loop, refused

pytestmark = pytest.mark.timeout(10)


async def test_calls_on_refs_run_on_another_event_loop_during_a_shutdown_are_refused() -> None:
    Held.release = asyncio.Event()
    async with asyncio.timeout(10):
        system = ActorSystem("app")
        await system.start()
        ref = await system.spawn(Held)
        full = await system.spawn(Held, mailbox_size=1)
        pool = await system.spawn_pool(Held, size=1)
        for held in (ref, full, pool):
            held.tell("held")
        await asyncio.sleep(0)  # each handler holds its actor
        full.tell("queued")
        closing = asyncio.ensure_future(system.shutdown())
        await asyncio.sleep(0)  # the shutdown began: the actors drain
        assert not system.healthy and ref.is_alive and pool.is_alive
        calls: list[tuple[Callable[[], Awaitable[Any]], str]] = [
            (lambda: ref.stop(), "ref.stop"),
            (lambda: ref.stop(timeout=1.0), "ref.stop"),
            (lambda: pool.resize(2, timeout=1.0), "pool.resize"),
            (lambda: ref.ask("hello", timeout=1.0), "ref.ask"),
            (lambda: full.ask("hello", timeout=1.0), "ref.ask"),
        ]
        for call, name in calls:
            refused(await on_another_loop(call), name)
        assert len(pool.members) == 1
        Held.release.set()
        await closing
