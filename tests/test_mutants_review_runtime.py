"""A mutant of this session's runtime changes that survived the suite: the hint a refused call
from another thread gives for `schedule_*` (the `least_loaded` fast path's room test is in
tests/test_least_loaded_promised_places.py)."""

from __future__ import annotations

import asyncio
import threading

from actorkit import Actor, ActorSystem
from actorkit.testing import pending_timers


async def test_a_schedule_from_another_thread_is_refused_with_the_call_to_make_instead() -> None:
    """`check_thread`'s defaults: the system's call, with its arguments left to the reader
    (`handle.cancel` passes neither)."""
    async with asyncio.timeout(5.0), ActorSystem("hint") as system:
        ref = await system.spawn(Actor)
        errors: list[BaseException] = []

        def schedule() -> None:
            try:
                system.schedule_once(1.0, ref, "x")
            except RuntimeError as error:
                errors.append(error)

        thread = threading.Thread(target=schedule)
        thread.start()
        await asyncio.to_thread(thread.join)
        [error] = errors
        assert "loop.call_soon_threadsafe(system.schedule_once, ...)" in str(error)
        assert pending_timers(system) == 0
