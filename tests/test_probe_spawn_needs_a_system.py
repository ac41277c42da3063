"""`Probe.spawn` given something other than a system (a ref, None, a name) says it needs an
ActorSystem, as the other testing helpers do, rather than fail on a missing `spawn`."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem
from actorkit.testing import ManualClock, Probe


class Idle(Actor):
    async def receive(self, message: Any) -> Any:
        return message


async def test_probe_spawn_given_no_system_says_it_needs_one() -> None:
    async with asyncio.timeout(10.0), ActorSystem(clock=ManualClock()) as system:
        ref = await system.spawn(Idle)
        wrongs: list[Any] = [ref, None, "system"]
        for wrong in wrongs:
            with pytest.raises(TypeError, match=r"Probe\.spawn\(\) needs an ActorSystem, got"):
                await Probe.spawn(wrong)


async def test_a_probe_made_with_its_system_akka_s_way_says_to_spawn_it() -> None:
    """`TestProbe(system)` is how Akka makes one; here it is `await Probe.spawn(system)`."""
    async with asyncio.timeout(10.0), ActorSystem(clock=ManualClock()) as system:
        with pytest.raises(TypeError, match=r"await Probe\.spawn\(system\)"):
            Probe(system)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match=r"Probe\.spawn\(system, name=\.\.\.\)"):
            Probe(system, name="p")  # type: ignore[arg-type]
