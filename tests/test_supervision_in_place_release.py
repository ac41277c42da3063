"""A parked actor keeps no instance a restart replaced: the receive loop's reference to the
instance it handled its last messages with goes as it parks. A restart in place
(`_restart_steps`) replaces the instance of an idle child without a signal to its task,
whose wake-up used to drop that reference: the replaced instance (and what it holds) stayed
alive until the child's next message, through a backoff too."""

from __future__ import annotations

import asyncio
import gc
import weakref
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, Backoff, ChildSpec, OneForAll, Supervisor
from actorkit.testing import ManualClock, snapshot

BOUND = 10.0


class Journals(Actor):
    """No hook: restarted in place. Keeps a weak reference to each of its instances."""

    def __init__(self, made: list[weakref.ref[Actor]]) -> None:
        made.append(weakref.ref(self))

    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise RuntimeError("on purpose")
        return message


@pytest.mark.parametrize("backoff", [None, Backoff(min=1.0, max=1.0, jitter=0.0)], ids=repr)
async def test_an_instance_replaced_in_place_is_not_kept_by_the_parked_task(
    clock: ManualClock, backoff: Backoff | None
) -> None:
    made: list[weakref.ref[Actor]] = []
    team = [ChildSpec(Journals, [], name="a"), ChildSpec(Journals, made, name="b")]
    async with asyncio.timeout(BOUND), ActorSystem(clock=clock) as system:
        await system.spawn(Supervisor, team, OneForAll(backoff=backoff), name="team")
        a, b = system.lookup("/team/a"), system.lookup("/team/b")
        assert a is not None and b is not None
        assert await b.ask("handled by the first") == "handled by the first"
        a.tell("crash")
        await clock.settle()
        assert snapshot(b).state == ("running" if backoff is None else "restarting")
        gc.collect()
        assert made[0]() is None
        if backoff is not None:
            await clock.advance(1.0)
        assert await b.ask("handled by the second") == "handled by the second"
        assert len(made) == 2
        assert snapshot(b).restarts == 1
