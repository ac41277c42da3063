"""IdleAgents agrees with a brute-force model under random joins, leaves, idles and takes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from actorkit._tasks import _idle
from actorkit._tasks._idle import IdleAgents

if TYPE_CHECKING:
    from actorkit._tasks._agents import Agent

CAPABILITIES = ["a", "b", "c"]
SETS = st.frozensets(st.sampled_from(CAPABILITIES))
NEEDS = st.frozensets(st.sampled_from(CAPABILITIES), max_size=1)
"""Mostly needs that several sets of one size fit: their heads are compared."""
AGENT = st.integers(0, 3)
EVERY_SET = [frozenset(c for i, c in enumerate(CAPABILITIES) if n >> i & 1) for n in range(8)]


@dataclass(eq=False)
class FakeAgent:
    capabilities: frozenset[str]
    ready: bool = True
    live: bool = True
    idle_since: int | None = None
    """The tick it idled at while it has an entry (ready or not); None while it has none."""


operations = st.lists(
    st.one_of(
        st.tuples(st.just("spawn"), SETS),
        st.tuples(st.just("take"), NEEDS),
        st.tuples(st.just("take"), SETS),
        st.tuples(st.just("add"), AGENT),
        st.tuples(st.just("add"), AGENT),
        st.tuples(st.just("unready"), AGENT),
        st.tuples(st.just("leave"), AGENT),
    ),
    min_size=20,
    max_size=100,
)


def best(agents: list[FakeAgent], requires: frozenset[str]) -> FakeAgent | None:
    """Brute force: the ready idle agent that fits with the fewest capabilities, then the
    one idle longest."""
    fitting = [
        (len(a.capabilities), a.idle_since, i)
        for i, a in enumerate(agents)
        if a.live and a.ready and a.idle_since is not None and requires <= a.capabilities
    ]
    return agents[min(fitting)[2]] if fitting else None


@settings(max_examples=200, deadline=None)
@given(operations, st.integers(1, 3))
def test_matches_brute_force_model(ops: list[tuple[object, ...]], cached: int) -> None:
    with mock.patch.object(_idle, "SETS_CACHED", cached):  # turns of the cache, often
        run(ops)


def run(ops: list[tuple[object, ...]]) -> None:
    idle = IdleAgents()
    agents: list[FakeAgent] = []
    tick = 0

    def add(agent: FakeAgent) -> None:
        nonlocal tick
        tick += 1
        agent.ready, agent.idle_since = True, tick
        idle.add(cast("Agent", agent))

    for op in ops:
        match op:
            case ("spawn", frozenset() as capabilities):
                agents.append(agent := FakeAgent(capabilities))
                idle.joined(capabilities)
                add(agent)
            case ("take", frozenset() as requires):
                expected = best(agents, requires)
                assert idle.take(requires) is cast("Agent | None", expected)
                if expected is not None:
                    expected.idle_since = None  # busy: its entry is gone
            case ("add", int(i)) if i < len(agents) and agents[i].live:
                if agents[i].idle_since is None or not agents[i].ready:
                    add(agents[i])  # done with its task, or back from a restart
            case ("unready", int(i)) if i < len(agents) and agents[i].idle_since is not None:
                agents[i].ready = False  # restarting: its entry stays until met or re-added
            case ("leave", int(i)) if i < len(agents) and agents[i].live:
                agents[i].live = False
                idle.left(cast("Agent", agents[i]))
        waiting = [a for a in agents if a.live and a.idle_since is not None]
        assert sum(a.ready for a in waiting) <= idle.entries <= len(waiting)
        for requires in EVERY_SET:
            served = any(requires <= a.capabilities for a in agents if a.live)
            assert idle.serves(requires) == served
    live = [a for a in agents if a.live]
    assert set(idle.capability_sets) == {a.capabilities for a in live}
    while (expected := best(agents, frozenset())) is not None:
        assert idle.take(frozenset()) is cast("Agent", expected)
        expected.idle_since = None
    assert idle.take(frozenset()) is None
