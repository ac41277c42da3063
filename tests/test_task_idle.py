"""IdleAgents, the mirror of the pending index: which idle agent a new task goes to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from actorkit._tasks._idle import IdleAgents
from actorkit._tasks._index import SETS_CACHED

if TYPE_CHECKING:
    from actorkit._tasks._agents import Agent

NONE: frozenset[str] = frozenset()
GPU = frozenset({"gpu"})
GPU_EN = frozenset({"gpu", "en"})
GPU_FR = frozenset({"gpu", "fr"})


@dataclass(eq=False)
class FakeAgent:
    """The two things IdleAgents reads from an agent; hashable by identity like the real one."""

    capabilities: frozenset[str]
    ready: bool = True


def agent(capabilities: frozenset[str], idle: IdleAgents, *, ready: bool = True) -> Agent:
    """A live agent, joined and then idled, as the task layer does on spawn."""
    fake = cast("Agent", FakeAgent(capabilities, ready))
    idle.joined(capabilities)
    idle.add(fake)
    return fake


def test_nothing_idle_gives_nothing() -> None:
    idle = IdleAgents()
    idle.joined(GPU)
    assert idle.take(NONE) is None


def test_a_task_goes_to_the_least_capable_agent_that_fits() -> None:
    idle = IdleAgents()
    specialist = agent(GPU_EN, idle)
    plain = agent(GPU, idle)

    assert idle.take(GPU) is plain
    assert idle.take(GPU) is specialist
    assert idle.take(GPU) is None


def test_an_agent_that_cannot_serve_the_task_is_not_taken() -> None:
    idle = IdleAgents()
    agent(GPU, idle)
    assert idle.take(GPU_EN) is None


def test_within_a_capability_set_the_longest_idle_goes_first() -> None:
    idle = IdleAgents()
    first, second = agent(GPU, idle), agent(GPU, idle)

    assert idle.take(GPU) is first
    idle.add(first)
    assert idle.take(GPU) is second


def test_among_sets_of_equal_size_the_longest_idle_goes_first() -> None:
    idle = IdleAgents()
    english = agent(GPU_EN, idle)  # its set first in every scan of equal sizes
    french = agent(GPU_FR, idle)

    assert idle.take(GPU) is english
    idle.add(english)
    assert idle.take(GPU) is french
    assert idle.take(GPU) is english
    assert idle.take(GPU) is None


def test_fewer_capabilities_win_over_idling_longer() -> None:
    idle = IdleAgents()
    specialist = agent(GPU_EN, idle)
    other = agent(GPU_FR, idle)
    plain = agent(GPU, idle)

    assert idle.take(GPU) is plain
    assert idle.take(GPU) is specialist
    assert idle.take(GPU) is other


def test_among_equal_sets_a_head_no_longer_ready_is_dropped_and_the_next_compared() -> None:
    idle = IdleAgents()
    restarting = agent(GPU_EN, idle)
    french = agent(GPU_FR, idle)
    english = agent(GPU_EN, idle)
    cast("FakeAgent", restarting).ready = False

    assert idle.take(GPU) is french
    assert idle.take(GPU) is english
    cast("FakeAgent", restarting).ready = True
    assert idle.take(GPU) is None  # dropped: it comes back through `add`
    assert idle.entries == 0


def test_an_agent_idled_twice_is_taken_once() -> None:
    idle = IdleAgents()
    once = agent(GPU, idle)
    idle.add(once)

    assert idle.take(GPU) is once
    assert idle.take(GPU) is None


def test_an_agent_idle_again_waits_behind_those_idle_since_before() -> None:
    idle = IdleAgents()
    back = agent(GPU, idle)
    cast("FakeAgent", back).ready = False  # a restart, which no task came by
    longest = agent(GPU, idle)
    cast("FakeAgent", back).ready = True
    idle.add(back)  # restarted: idle again, after `longest`

    assert idle.take(GPU) is longest
    assert idle.take(GPU) is back
    assert idle.take(GPU) is None
    assert idle.entries == 0


def test_an_entry_no_longer_ready_is_dropped_when_met() -> None:
    idle = IdleAgents()
    restarting = agent(GPU, idle)
    ready = agent(GPU, idle)
    cast("FakeAgent", restarting).ready = False

    assert idle.take(GPU) is ready
    cast("FakeAgent", restarting).ready = True
    assert idle.take(GPU) is None  # dropped: it comes back through `add`


def test_an_agent_that_left_is_never_taken_and_its_last_set_goes() -> None:
    idle = IdleAgents()
    stays = agent(GPU, idle)
    leaves = agent(GPU_EN, idle)

    idle.left(leaves)

    assert set(idle.capability_sets) == {GPU}
    assert idle.take(GPU) is stays
    assert idle.take(GPU) is None


def test_a_set_stays_while_one_of_its_agents_lives() -> None:
    idle = IdleAgents()
    first, second = agent(GPU, idle), agent(GPU, idle)

    idle.left(first)

    assert set(idle.capability_sets) == {GPU}
    assert idle.take(GPU) is second


def test_churn_through_requirement_sets_leaves_a_bounded_cache() -> None:
    idle = IdleAgents()
    gpu = agent(GPU, idle)
    for i in range(3 * SETS_CACHED):  # tasks each made for a job of its own
        assert idle.take(frozenset({f"job{i}"})) is None
    assert idle.cached <= 2 * (SETS_CACHED + 2)  # this turn's and the last one's
    assert idle.take(GPU) is gpu


A = frozenset({"a"})
AB = frozenset({"a", "b"})
AC = frozenset({"a", "c"})


def test_among_equal_sets_a_queue_whose_head_was_taken_elsewhere_ranks_by_its_new_head() -> None:
    idle = IdleAgents()
    x, y, z = agent(AB, idle), agent(AC, idle), agent(AB, idle)
    assert idle.take(A) is x
    assert idle.take(A) is y
    idle.add(y)  # idle again: after z, before x
    idle.add(x)
    assert idle.take(frozenset({"b"})) is z  # AB's head now x, idle since after y

    assert idle.take(A) is y
    assert idle.take(A) is x
    assert idle.take(A) is None


def test_among_equal_sets_a_queue_that_fills_again_is_compared_again() -> None:
    idle = IdleAgents()
    x, y = agent(AB, idle), agent(AC, idle)
    assert idle.take(A) is x  # AB's queue empty
    idle.add(x)

    assert idle.take(A) is y
    assert idle.take(A) is x
    assert idle.take(A) is None
    assert idle.entries == 0


def test_a_tie_goes_with_the_cache_entry_it_served() -> None:
    """An agent idling again updates every tie its set is in: a tie whose entry left the
    cache must leave with it, or churn through requirement sets would leave each new agent
    set's idling costing more and more."""
    idle = IdleAgents()
    x, y, z = agent(AB, idle), agent(AC, idle), agent(A, idle)
    assert idle.take(A) is z  # A's entry: A itself, then a tie of AB and AC
    assert idle.take(NONE) is x  # NONE's entry: the same, with another tie of AB and AC
    for i in range(3 * SETS_CACHED):  # enough jobs of their own to push both entries out
        assert idle.take(frozenset({f"job{i}"})) is None
    assert idle._ties == {}

    idle.add(x)
    idle.add(z)
    assert idle.take(A) is z
    assert idle.take(A) is y
    assert idle.take(A) is x
