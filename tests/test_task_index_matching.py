"""An agent gets only the pending tasks its capabilities cover; the rest are counted."""

from __future__ import annotations

import pytest

from actorkit._tasks._index import PendingTasks

from .task_index_support import AB, NONE, A, B, C, drain


def test_agent_gets_only_subset_requirements() -> None:
    index: PendingTasks[str] = PendingTasks()
    index.push("any", NONE, 0)
    index.push("needs-a", A, 0)
    index.push("needs-ab", AB, 0)
    index.push("needs-c", C, 0)

    assert sorted(drain(index, AB)) == ["any", "needs-a", "needs-ab"]
    assert list(index.groups()) == [C]
    assert index.pop_for(frozenset({"c"})) == "needs-c"


def test_agent_without_capabilities_gets_only_unconstrained_tasks() -> None:
    index: PendingTasks[str] = PendingTasks()
    index.push("needs-a", A, 9)
    index.push("any", NONE, 0)

    assert index.pop_for(NONE) == "any"
    assert index.pop_for(NONE) is None
    assert "needs-a" in index


def test_an_agent_gets_nothing_it_cannot_serve() -> None:
    index: PendingTasks[str] = PendingTasks()
    index.push("a", A, 1)
    index.push("b", B, 2)

    assert index.pop_for(C) is None
    assert len(index) == 2
    assert index.pop_for(AB) == "b"


def test_empty_index() -> None:
    index: PendingTasks[str] = PendingTasks()

    assert index.pop_for(AB) is None
    assert len(index) == 0
    assert index.groups() == {}


def test_duplicate_push_rejected() -> None:
    index: PendingTasks[str] = PendingTasks()
    index.push("t", A, 0)

    with pytest.raises(ValueError, match="already pending"):
        index.push("t", B, 3)
    assert index.groups() == {A: 1}
    assert index.pop_for(AB) == "t"
    assert index.pop_for(AB) is None


def test_len_contains_groups() -> None:
    index: PendingTasks[str] = PendingTasks()
    index.push("1", A, 0)
    index.push("2", A, 0)
    index.push("3", AB, 0)

    assert len(index) == 3
    assert "1" in index
    assert "4" not in index
    assert index.groups() == {A: 2, AB: 1}
    index.pop_for(A)
    assert index.groups() == {A: 1, AB: 1}
    assert len(index) == 2


def test_unservable_counts_items_no_agent_can_take() -> None:
    index: PendingTasks[str] = PendingTasks()
    index.push("a1", A, 0)
    index.push("ab1", AB, 0)
    index.push("ab2", AB, 0)
    index.push("c1", C, 0)
    index.push("any", NONE, 0)
    agents = [A, frozenset({"b", "x"})]

    assert index.unservable(agents) == 3
    assert index.unservable(iter([*agents, frozenset({"a", "b", "c"})])) == 0
    assert index.unservable([]) == 5
