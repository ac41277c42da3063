"""The index's per-agent cache of compatible groups: kept current, kept bounded."""

from __future__ import annotations

from actorkit._tasks._index import _SWEEP_SLACK, SETS_CACHED, PendingTasks

from .task_index_support import AB, A, B, check_compatible


def test_cached_agent_sees_group_created_later() -> None:
    index: PendingTasks[str] = PendingTasks()
    index.push("a-low", A, 0)
    index.push("a-next", A, 0)
    assert index.pop_for(AB) == "a-low"  # caches AB's compatible groups: just {a}

    index.push("b-high", B, 9)

    assert index.pop_for(AB) == "b-high"


def test_cached_agent_sees_group_recreated_after_emptying() -> None:
    index: PendingTasks[str] = PendingTasks()
    index.push("a", A, 0)
    index.push("b1", B, 0)
    assert index.pop_for(AB) == "a"
    assert index.pop_for(AB) == "b1"  # group {b} is dropped, AB's cache must forget it

    index.push("b2", B, 0)

    assert index.pop_for(AB) == "b2"


def test_empty_groups_are_swept() -> None:
    index: PendingTasks[str] = PendingTasks()
    index.push("kept", AB, 0)
    for i in range(10 * _SWEEP_SLACK):
        requires = frozenset({f"cap-{i}"})
        index.push(f"t{i}", requires, 0)
        if i % 2:
            assert index.pop_for(requires) == f"t{i}"
        else:
            assert index.remove(f"t{i}")
        assert len(index._groups) <= 2 + _SWEEP_SLACK  # the live one, as many empty and slack
        check_compatible(index)

    assert index.groups() == {AB: 1}
    assert index.pop_for(AB) == "kept"


def test_a_group_emptied_and_filled_again_serves_its_cached_agents() -> None:
    index: PendingTasks[str] = PendingTasks()
    index.push("a1", A, 0)
    assert index.pop_for(AB) == "a1"  # {a} empty, kept until a sweep

    index.push("a2", A, 3)
    index.push("b", B, 1)

    assert index.pop_for(AB) == "a2"
    assert index.pop_for(AB) == "b"
    assert index.pop_for(AB) is None
    assert index.groups() == {}


def test_churn_through_capability_sets_leaves_a_bounded_cache() -> None:
    index: PendingTasks[str] = PendingTasks()
    index.push("stranded", frozenset({"never"}), 0)
    for i in range(3 * SETS_CACHED):  # agents made with a capability of their own, then gone
        assert index.pop_for(frozenset({f"tenant{i}"})) is None
    assert len(index._compatible) <= 2 * SETS_CACHED  # this turn's and the last one's
    check_compatible(index)
    assert index.pop_for(frozenset({"never"})) == "stranded"


def test_the_lists_of_live_agents_survive_churn_through_other_sets() -> None:
    live = [frozenset({"a", f"b{i}"}) for i in range(2 * SETS_CACHED)]
    index: PendingTasks[str] = PendingTasks(live)
    for capabilities in live:
        assert index.pop_for(capabilities) is None
    lists = {capabilities: index._compatible.young[capabilities] for capabilities in live}
    for i in range(SETS_CACHED):  # agents of sets of their own, come and gone
        assert index.pop_for(frozenset({f"tenant{i}"})) is None

    for capabilities in live:  # used again: the same lists, not made afresh
        assert index.pop_for(capabilities) is None
        assert index._compatible.young[capabilities] is lists[capabilities]
