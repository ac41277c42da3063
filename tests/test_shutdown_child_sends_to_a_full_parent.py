"""A child that `send`s its parent more than the parent's mailbox holds while a shutdown
drains them (docs/api.md §9): the parent, waiting for its children's drains, reads again only
once they are gone, so the child waits for room until the shutdown's timeout cuts it. Nothing
is lost on the way: each reply is handled or a dead letter. With room, every reply is handled."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from actorkit import Actor, ActorRef, ActorSystem
from actorkit.testing import FORCED_STOP_GRACE

from .shutdown_support import SLACK

REPLIES = 10


class Child(Actor):
    """Works a few loop turns on each message, then replies: by then its parent has read its
    own queue to the end and waits for its children."""

    def __init__(self, up: ActorRef) -> None:
        self.up = up

    async def receive(self, message: Any) -> None:
        for _ in range(3):
            await asyncio.sleep(0)
        await self.up.send(("reply", message))


class Parent(Actor):
    def __init__(self, got: list[Any]) -> None:
        self.got = got

    async def on_start(self) -> None:
        self.kid = await self.spawn(Child, self.ref)

    async def receive(self, message: Any) -> Any:
        if message == "kid":
            return self.kid
        self.got.append(message)
        return None


async def shut_down(mailbox_size: int | None, timeout: float) -> tuple[list[Any], int, float]:
    got: list[Any] = []
    async with ActorSystem() as system:
        parent = await system.spawn(Parent, got, mailbox_size=mailbox_size)
        kid = await parent.ask("kid")
        for i in range(REPLIES):  # queued at the child, none yet at the parent
            kid.tell(i)
        began = time.monotonic()
        await system.shutdown(timeout=timeout)
        took = time.monotonic() - began
        return got, system.dead_letters.by_reason.get("shutdown", 0), took


async def test_a_child_sending_past_its_draining_parent_s_room_waits_for_the_timeout() -> None:
    got, lost, took = await shut_down(mailbox_size=2, timeout=0.2)
    assert took >= 0.2
    assert took <= 0.2 + FORCED_STOP_GRACE + SLACK
    assert len(got) + lost == REPLIES  # every reply handled or a dead letter
    assert lost > 0


@pytest.mark.parametrize("mailbox_size", [REPLIES, None])
async def test_with_room_for_every_reply_the_parent_handles_them_all(
    mailbox_size: int | None,
) -> None:
    got, lost, took = await shut_down(mailbox_size=mailbox_size, timeout=5.0)
    assert sorted(got) == [("reply", i) for i in range(REPLIES)]
    assert lost == 0
    assert took < 5.0
