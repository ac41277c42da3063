"""The index's per-agent cache of compatible groups: kept current, kept bounded."""

from __future__ import annotations

from actorkit._tasks._index import SETS_CACHED, PendingTasks

from .task_index_support import AB, A, B


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


def test_empty_groups_are_dropped() -> None:
    index: PendingTasks[str] = PendingTasks()
    for i in range(100):
        requires = frozenset({f"cap-{i}"})
        index.push(f"t{i}", requires, 0)
        if i % 2:
            assert index.pop_for(requires) == f"t{i}"
        else:
            assert index.remove(f"t{i}")

    assert index.groups() == {}
    assert len(index._groups) == 0
    assert len(index._compatible) == 0


def test_churn_through_capability_sets_leaves_a_bounded_cache() -> None:
    index: PendingTasks[str] = PendingTasks()
    index.push("stranded", frozenset({"never"}), 0)
    for i in range(3 * SETS_CACHED):  # agents made with a capability of their own, then gone
        assert index.pop_for(frozenset({f"tenant{i}"})) is None
    assert len(index._compatible) <= SETS_CACHED
    assert index.pop_for(frozenset({"never"})) == "stranded"
