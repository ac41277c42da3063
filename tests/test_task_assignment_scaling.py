"""Assignment work per task must not grow with the number of capability and requirement sets.

K agents with capabilities {"a", "b<i>"}, tasks requiring {"a"}, {"b<i>"} or both: every
agent can serve three requirement sets and `{"a"}` can be served by all K. The work is
counted, not timed: set comparisons (a frozenset whose `<=` counts itself) and readiness
checks of idle agents, per dispatch, at K=100 and K=1000.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, cast

from actorkit._tasks._idle import IdleAgents
from actorkit._tasks._index import PendingTasks
from actorkit._tasks._layer import TaskLayer

if TYPE_CHECKING:
    from actorkit._tasks._agents import Agent


class Counted(frozenset[str]):
    """A set whose subset tests are counted: each is one set visited."""

    compared: ClassVar[int] = 0

    def __le__(self, other: object) -> bool:
        Counted.compared += 1
        return frozenset.__le__(self, other)  # type: ignore[operator]

    def __ge__(self, other: object) -> bool:
        Counted.compared += 1
        return frozenset.__ge__(self, other)  # type: ignore[operator]

    def issubset(self, other: object) -> bool:
        Counted.compared += 1
        return frozenset.issubset(self, other)  # type: ignore[arg-type]


@dataclass(eq=False)
class CountedAgent:
    """What IdleAgents reads of an agent, with its readiness checks counted."""

    capabilities: frozenset[str]
    checks: ClassVar[int] = 0

    @property
    def ready(self) -> bool:
        CountedAgent.checks += 1
        return True


def capability_sets(k: int) -> list[Counted]:
    return [Counted({"a", f"b{i}"}) for i in range(k)]


def requirement_sets(k: int) -> list[Counted]:
    sets = [Counted({"a"})]
    for i in range(k):
        sets += [Counted({f"b{i}"}), Counted({"a", f"b{i}"})]
    return sets


def pending_work_per_pop(k: int, tasks: int) -> float:
    """Tasks queued over all 2K+1 requirement sets, then taken by agents in turn (each pop
    one dispatch, as agents finishing in turn would), refilled as they go."""
    rng = random.Random(k)
    index: PendingTasks[int] = PendingTasks(capability_sets(k))
    agents, needs = capability_sets(k), requirement_sets(k)
    for item in range(tasks):
        index.push(item, rng.choice(needs), rng.randrange(4))
    Counted.compared = 0
    pops = 0
    for turn in range(tasks):
        if index.pop_for(agents[turn % k]) is not None:
            pops += 1
        index.push(tasks + turn, rng.choice(needs), rng.randrange(4))
    assert pops > tasks // 2
    return Counted.compared / tasks


def idle_work_per_take(k: int, tasks: int) -> float:
    """All K agents idle; each task takes one, which idles again at once (a task that
    returned): at most a few queues are ever empty."""
    rng = random.Random(k)
    idle = IdleAgents()
    agents = [cast("Agent", CountedAgent(capabilities)) for capabilities in capability_sets(k)]
    for agent in agents:
        idle.joined(agent.capabilities)
        idle.add(agent)
    needs = requirement_sets(k)
    Counted.compared = CountedAgent.checks = 0
    for _ in range(tasks):
        requires = rng.choice(needs)
        taken = idle.take(requires)
        assert taken is not None
        assert requires <= taken.capabilities
        idle.add(taken)
    return (Counted.compared + CountedAgent.checks) / tasks


def test_pending_tasks_visit_no_more_sets_per_dispatch_with_more_sets() -> None:
    few, many = pending_work_per_pop(100, 5_000), pending_work_per_pop(1000, 5_000)
    assert many < 1.5 * few + 2, (few, many)


def test_idle_agents_visit_no_more_sets_per_task_with_more_sets() -> None:
    few, many = idle_work_per_take(100, 5_000), idle_work_per_take(1000, 5_000)
    assert many < 1.5 * few + 2, (few, many)


def unservable_work_per_group(k: int) -> float:
    """`system.tasks.unservable` over 2K+1 groups (half of them needing a capability no agent
    has), with K live agents: the layer's two structures, set up as the layer would."""
    layer = TaskLayer.__new__(TaskLayer)  # only the two structures `unservable` reads
    idle = layer._idle = IdleAgents()  # noqa: SLF001
    pending: PendingTasks[Any] = PendingTasks(idle.capability_sets)  # ints stand for tasks
    layer._pending = pending  # noqa: SLF001
    for capabilities in capability_sets(k):
        idle.joined(capabilities)
    needs = requirement_sets(k)
    for item, requires in enumerate(needs):
        pending.push(item, requires, 0)
        pending.push(-1 - item, Counted({f"missing{item}"}), 0)
    Counted.compared = 0
    assert layer.unservable() == len(needs)
    return Counted.compared / (2 * len(needs))


def test_counting_unservable_tasks_visits_no_more_sets_per_group_with_more_agents() -> None:
    few, many = unservable_work_per_group(100), unservable_work_per_group(1000)
    assert many < 1.5 * few + 2, (few, many)
