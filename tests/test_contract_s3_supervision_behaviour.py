"""API.md §3 (supervision tree) where no other test pinned the sentence as written: the
strategy given as `ActorSystem(supervisor=...)` is the root's, of whichever kind, for the
top-level actors, and a restart keeps the subscriptions the failed instance made."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, OneForAll, OneForOne, RestForOne
from actorkit.testing import ManualClock

from .supervision_support import Worker


@pytest.mark.parametrize(
    ("root", "expected"),
    [
        pytest.param(
            OneForAll(),
            ["stop b", "stop z", "stop m", "start m", "start z", "start b"],
            id="one_for_all",
        ),
        pytest.param(RestForOne(), ["stop b", "stop z", "start z", "start b"], id="rest_for_one"),
        pytest.param(OneForOne(), ["stop z", "start z"], id="one_for_one"),
    ],
)
async def test_the_system_s_supervisor_is_the_root_s_strategy_for_top_level_actors(
    clock: ManualClock, root: OneForAll | RestForOne | OneForOne, expected: list[str]
) -> None:
    """§3: "top-level actors are supervised by the system's root" and "`ActorSystem(
    supervisor=...)` sets the root's": a failing top-level actor restarts its top-level
    siblings as that strategy says, stopped in reverse start order and started in start
    order (the names sort otherwise)."""
    journal: list[str] = []
    async with asyncio.timeout(10), ActorSystem(clock=clock, supervisor=root) as system:
        refs = [await system.spawn(Worker, journal, name, name=name) for name in "mzb"]
        journal.clear()
        refs[1].tell("crash")
        await clock.advance(0)
        for ref in refs:
            assert await ref.ask("sync") == "sync"
        assert journal == expected
        assert [system.lookup(f"/{name}") for name in "mzb"] == refs


class Joins(Actor):
    """Subscribes when told to, not in `on_start`: a fresh instance subscribes to nothing."""

    def __init__(self) -> None:
        self.got: list[Any] = []

    async def receive(self, message: Any) -> Any:
        if message == "join":
            self.subscribe("news.*")
        elif message == "crash":
            raise RuntimeError("joins crashed on purpose")
        elif message == "got":
            return list(self.got)
        else:
            self.got.append(message)
        return None


async def test_a_restart_keeps_the_subscriptions_the_failed_instance_made(
    clock: ManualClock,
) -> None:
    """§3: a restart keeps "the ref, the name, the subscriptions and the mailbox": a topic
    the failed instance subscribed to reaches the fresh one."""
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Joins, name="joins")
        await ref.ask("join")
        ref.tell("crash")
        await clock.advance(0)
        assert await ref.ask("got") == []
        assert system.publish("news.today", "after the restart") == 1
        assert await ref.ask("got") == ["after the restart"]
