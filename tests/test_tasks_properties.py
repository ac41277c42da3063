"""Dispatch properties: one agent serves by priority then submission, each task runs once."""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from actorkit import Actor, ActorSystem, Task

from .tasks_support import Block, Journal, Worker, labels


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=-3, max_value=3), min_size=1, max_size=30))
def test_one_agent_serves_by_priority_then_submission(priorities: list[int]) -> None:
    async def scenario() -> list[Any]:
        journal: Journal = []
        async with ActorSystem() as system:
            await system.spawn(Worker, journal, name="w")
            gate = Block()
            first = await system.submit(gate)
            await gate.entered.wait()
            handles = [await system.submit(i, priority=p) for i, p in enumerate(priorities)]
            gate.release.set()
            await asyncio.gather(first, *handles)
        return labels(journal)[1:]

    expected = sorted(range(len(priorities)), key=lambda i: (-priorities[i], i))
    assert asyncio.run(scenario()) == expected


CAPABILITIES = ["a", "b", "c"]
capability_sets = st.frozensets(st.sampled_from(CAPABILITIES), max_size=3)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(capability_sets.filter(bool), min_size=1, max_size=5),
    st.lists(st.tuples(capability_sets, st.integers(-2, 2)), min_size=1, max_size=25),
)
def test_every_servable_task_runs_once_on_a_capable_agent(
    agents: list[frozenset[str]], tasks: list[tuple[frozenset[str], int]]
) -> None:
    async def scenario() -> None:
        served: list[tuple[frozenset[str], Task]] = []

        class Agent(Actor):
            async def receive(self, message: Any) -> Any:
                served.append((self._cell.capabilities, message))
                await asyncio.sleep(0)
                return message.id

        async with ActorSystem() as system:
            for capabilities in agents:
                await system.spawn(Agent, capabilities=capabilities)
            handles = [await system.submit(None, p, requires=r) for r, p in tasks]
            servable = [h for h, (r, _) in zip(handles, tasks, strict=True) if _fits(r, agents)]
            assert [await h for h in servable] == [h.id for h in servable]
            assert system.tasks.unservable == len(handles) - len(servable)
            assert system.tasks.pending == len(handles) - len(servable)
        assert sorted(task.id for _, task in served) == [h.id for h in servable]
        assert all(task.requires <= capabilities for capabilities, task in served)

    asyncio.run(scenario())


def _fits(requires: frozenset[str], agents: list[frozenset[str]]) -> bool:
    return any(requires <= capabilities for capabilities in agents)
