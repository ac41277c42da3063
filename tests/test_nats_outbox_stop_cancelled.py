"""A shutdown cancelled while the outbound buffer drains (its one second of sending what is
queued; Ctrl-C, so the end of `asyncio.run` cancels it) still ends the writer and accounts
for what it held: no task outlives the loop, no message goes uncounted."""

from __future__ import annotations

import asyncio

import pytest

from actorkit import ActorSystem

from .nats_support import SAFETY, NatsServer, link_of, requires_nats, transport

pytestmark = requires_nats


def test_a_shutdown_cancelled_in_the_drain_ends_the_writer_and_counts_the_queue(
    own: NatsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tell buffered for a silent system during an outage waits for that system to answer
    a probe once the link is back, so the drain waits too; the main task is cancelled then,
    and `asyncio.run` cancels the shutdown in that wait. A sync test: the loop must be
    `asyncio.run`'s own."""
    system = ActorSystem("cut", transport=transport(own, buffer_timeout=SAFETY))
    outbox = link_of(system)._outbox  # noqa: SLF001 (its writer has no public face)

    async def main() -> None:
        main_task = asyncio.current_task()
        assert main_task is not None
        drain = outbox.wait_drained

        async def draining() -> None:
            main_task.cancel()  # Ctrl-C while the tell waits for its probe
            await drain()

        monkeypatch.setattr(outbox, "wait_drained", draining)
        async with asyncio.timeout(SAFETY):
            await system.start()
            link = link_of(system)
            own.stop()
            await link.link_down.wait()
            system.remote("ghost", "/x").tell("held")
            own.start()
            await link.link_up.wait()
            await system.shutdown()

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(main())
    writer = outbox._writer  # noqa: SLF001
    assert writer is not None and writer.cancelled()
    assert len(outbox) == 0
    assert system.dead_letters.by_reason.get("shutdown") == 1
