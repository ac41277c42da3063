"""A decider mapping is checked when its strategy is made, but it is the caller's own dict: an
entry added afterwards is looked up as it is. One whose directive is no directive (a typo)
must not be carried out as a restart that skips the intensity check (a supervisor with
`max_restarts=1` restarting its child for ever): it is the decider's fault, decided as a
decider that raised (its supervisor escalates, and the error says what to change)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, OneForOne
from actorkit.testing import ManualClock, snapshot

from .supervision_support import Worker


async def test_an_entry_added_with_a_typo_escalates_and_says_so(
    clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    journal: list[str] = []
    decider: dict[type[BaseException], Any] = {KeyError: "stop"}

    class Parent(Actor):
        supervisor_strategy = OneForOne(max_restarts=1, decider=decider)

        async def on_start(self) -> None:
            await self.spawn(Worker, journal, "w", name="w")

    decider[RuntimeError] = "stpo"
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        parent = await system.spawn(Parent, name="p")
        for _ in range(3):
            w = system.lookup("/p/w")
            assert w is not None
            w.tell("crash")
            await clock.settle()
        # each crash escalated: the parent was restarted (with a fresh child), never the
        # child alone past the one restart its strategy allows
        assert snapshot(parent).restarts == 3
        w = system.lookup("/p/w")
        assert w is not None and snapshot(w).restarts == 0
    assert "decider of /p failed" in caplog.text
    assert "'stpo'" in caplog.text
    assert "supervisor decided: stpo" not in caplog.text


async def test_an_entry_changed_to_another_directive_is_followed(clock: ManualClock) -> None:
    """The mapping stays the caller's: a valid change is carried out."""
    journal: list[str] = []
    decider: dict[type[BaseException], Any] = {KeyError: "stop"}

    class Parent(Actor):
        supervisor_strategy = OneForOne(decider=decider)

        async def on_start(self) -> None:
            await self.spawn(Worker, journal, "w", name="w")

    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        await system.spawn(Parent, name="p")
        decider[RuntimeError] = "resume"
        w = system.lookup("/p/w")
        assert w is not None
        assert await w.ask("one") == "one"
        w.tell("crash")
        assert await w.ask("handled") == 1  # the same instance, its state kept
