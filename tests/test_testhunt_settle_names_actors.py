"""`ManualClock.settle`'s error names the actors that keep running: two actors that message
each other forever are what a test's author must find, and an actor's task, read as
asyncio shows it (`Task-4 (<coroutine object run at 0x...>)`), names none of them."""

from __future__ import annotations

import asyncio

import pytest

import actorkit.testing
from actorkit import Actor, ActorRef, ActorSystem
from actorkit.testing import ManualClock

SAFETY = 10.0


class Rally(Actor):
    """Returns each ball to the other player, forever."""

    def __init__(self) -> None:
        self.other: ActorRef | None = None

    async def receive(self, message: object) -> None:
        if isinstance(message, ActorRef):
            self.other = message
        elif self.other is not None:
            self.other.tell(message)


async def test_the_error_names_the_actors_that_keep_messaging_each_other(
    clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(actorkit.testing, "SETTLE_LIMIT", 50)
    async with asyncio.timeout(SAFETY), ActorSystem(clock=clock) as system:
        ping = await system.spawn(Rally, name="ping")
        pong = await system.spawn(Rally, name="pong")
        ping.tell(pong)
        pong.tell(ping)
        ping.tell("ball")
        with pytest.raises(RuntimeError, match="did not settle") as raised:
            await clock.settle()
        said = str(raised.value)
        assert "actor /ping" in said or "actor /pong" in said, said
        assert "coroutine object run" not in said
        await system.shutdown(timeout=1.0)
