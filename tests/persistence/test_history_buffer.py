"""The agent history's buffer (`_history_buffer`): what `system.agent_history(path)` waits on
before it reads. A caller that gives up waiting (an `asyncio.timeout` around it, while the
store is down and the writer backs off for minutes) must not leave its waiter behind: one per
attempt would pile up until the writer's next round."""

from __future__ import annotations

import asyncio
import contextlib

from actorkit.persistence._history_buffer import Pending


async def test_a_flush_that_gave_up_leaves_no_waiter_behind() -> None:
    async with asyncio.timeout(10):
        pending = Pending()
        pending.add("/w", 0.0, "idle", None)
        pending.take()  # being written, and it will not end while the callers wait
        for _ in range(3):
            waiting = asyncio.ensure_future(pending.finished(pending.recorded))
            await asyncio.sleep(0)
            waiting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await waiting
        assert pending._waiters == []  # noqa: SLF001 - the module's own internals
        still = asyncio.ensure_future(pending.finished(pending.recorded))
        await asyncio.sleep(0)
        pending.put_back({})  # the round ended: those still waiting hear of it
        await still


async def test_a_flush_waits_for_its_own_change_put_back_after_a_failed_round() -> None:
    """The change a flush saw last failed its round and went back: the flush must wait for it,
    not return because newer changes are all that remain after it."""
    async with asyncio.timeout(10):
        pending = Pending()
        pending.add("/a", 0.0, "idle", None)
        pending.add("/b", 0.0, "idle", None)
        flushed = asyncio.ensure_future(pending.finished(pending.recorded))  # up to change 2
        await asyncio.sleep(0)
        batch = pending.take()
        pending.add("/c", 0.0, "idle", None)
        pending.put_back({"/b": batch["/b"]})  # "/a" written, "/b" failed
        await asyncio.sleep(0)
        assert not flushed.done()
        pending.take()  # the next round writes the rest
        pending.put_back({})
        await flushed
