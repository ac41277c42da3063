"""A `send` run on an event loop in another thread, at a full mailbox, is refused with the
`RuntimeError` an `ask` there gets (docs/api.md §1), before it waits in line for room: the
room would be granted by the system's loop to a waiter of another loop, and the sender waited
for ever (until its own timeout), told nothing, while its place in line sat in the other
loop's mailbox."""

from __future__ import annotations

import asyncio

import pytest

from actorkit import ActorRef, ActorSystem

from .test_embedding_wrong_thread import Held, on_another_loop, refused


@pytest.mark.parametrize("target", ["actor", "pool"])
async def test_a_send_run_on_another_event_loop_is_refused_at_a_full_mailbox(target: str) -> None:
    Held.release = asyncio.Event()
    async with asyncio.timeout(10), ActorSystem("app") as system:
        ref: ActorRef = await (
            system.spawn_pool(Held, size=1, mailbox_size=1)
            if target == "pool"
            else system.spawn(Held, mailbox_size=1)
        )
        ref.tell("held")
        await asyncio.sleep(0)  # its handler holds it
        ref.tell("queued")
        refused(await on_another_loop(lambda: ref.send("hello")), "ref.send")
        assert system.accounting().accepted == 2
        Held.release.set()
        assert await ref.ask("still") == "still"
        assert system.dead_letters.count == 0
