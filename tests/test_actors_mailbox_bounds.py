"""Mailbox bounds: tell on a full mailbox raises, send waits for room (API 2)."""

from __future__ import annotations

import asyncio

import pytest

import actorkit
from actorkit import ActorSystem, MailboxFull

from .actors_support import Counter, Gate


async def test_tell_on_full_mailbox_raises_and_send_waits_for_room() -> None:
    gate, entered = asyncio.Event(), asyncio.Event()
    async with ActorSystem() as system:
        ref = await system.spawn(Gate, gate, entered, mailbox_size=2)
        ref.tell("wait")
        await entered.wait()  # the handler holds "wait"; capacity counts queued messages
        ref.tell(1)
        ref.tell(2)
        with pytest.raises(MailboxFull, match="send"):
            ref.tell(3)
        sender = asyncio.ensure_future(ref.send(3))
        await asyncio.sleep(0)
        assert not sender.done()
        gate.set()
        await asyncio.wait_for(sender, 5)
        assert await ref.ask("seen") == ["wait", 1, 2, 3]


async def test_unbounded_mailbox_takes_everything() -> None:
    async with ActorSystem() as system:
        ref = await system.spawn(Counter, mailbox_size=None)
        for _ in range(actorkit.DEFAULT_MAILBOX_SIZE + 10):
            ref.tell(1)
        assert await ref.ask("get") == actorkit.DEFAULT_MAILBOX_SIZE + 10


async def test_default_mailbox_is_bounded() -> None:
    gate, entered = asyncio.Event(), asyncio.Event()
    async with ActorSystem() as system:
        ref = await system.spawn(Gate, gate, entered)
        ref.tell("wait")
        await entered.wait()
        for i in range(actorkit.DEFAULT_MAILBOX_SIZE):
            ref.tell(i)
        with pytest.raises(MailboxFull):
            ref.tell("one too many")
        gate.set()


async def test_asyncio_timeout_around_send_leaves_no_ghost_message() -> None:
    gate, entered = asyncio.Event(), asyncio.Event()
    async with ActorSystem() as system:
        ref = await system.spawn(Gate, gate, entered, mailbox_size=1)
        ref.tell("wait")
        await entered.wait()
        ref.tell(1)
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0):
                await ref.send("abandoned")
        gate.set()
        assert await ref.ask("seen") == ["wait", 1]
