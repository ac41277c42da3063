from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actorkit._tasks._index import SETS_CACHED, PendingTasks

NONE: frozenset[str] = frozenset()
A = frozenset({"a"})
B = frozenset({"b"})
C = frozenset({"c"})
AB = frozenset({"a", "b"})


@dataclass(eq=False)
class Task:
    """Hashable by identity and deliberately not orderable, like a real task record."""

    name: str


def drain(index: PendingTasks[str], capabilities: frozenset[str]) -> list[str]:
    out = []
    while (item := index.pop_for(capabilities)) is not None:
        out.append(item)
    return out


def test_higher_priority_first() -> None:
    index: PendingTasks[str] = PendingTasks()
    index.push("low", NONE, 0)
    index.push("high", NONE, 5)
    index.push("mid", NONE, 2)
    index.push("negative", NONE, -1)

    assert drain(index, NONE) == ["high", "mid", "low", "negative"]


def test_fifo_within_equal_priority() -> None:
    index: PendingTasks[str] = PendingTasks()
    for name in ["first", "second", "third"]:
        index.push(name, NONE, 1)

    assert drain(index, NONE) == ["first", "second", "third"]


def test_push_returns_increasing_seq() -> None:
    index: PendingTasks[str] = PendingTasks()
    seqs = [index.push(name, NONE, 0) for name in "xyz"]

    assert seqs == sorted(seqs)
    assert len(set(seqs)) == 3


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


def test_best_head_across_groups() -> None:
    index: PendingTasks[str] = PendingTasks()
    index.push("a-old", A, 1)
    index.push("b-high", B, 3)
    index.push("ab-old", AB, 2)
    index.push("a-new", A, 1)
    index.push("none-low", NONE, 0)

    assert drain(index, AB) == ["b-high", "ab-old", "a-old", "a-new", "none-low"]


def test_seq_breaks_ties_across_groups() -> None:
    index: PendingTasks[str] = PendingTasks()
    index.push("b-first", B, 0)
    index.push("a-second", A, 0)
    index.push("none-third", NONE, 0)

    assert drain(index, AB) == ["b-first", "a-second", "none-third"]


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


def test_items_need_not_be_orderable() -> None:
    index: PendingTasks[Task] = PendingTasks()
    first, second = Task("first"), Task("second")
    seq = index.push(first, NONE, 0)
    index.push(second, NONE, 0)
    assert index.pop_for(NONE) is first
    # Requeued with its own seq at the same priority: two entries tie on (priority, seq).
    index.push(first, NONE, 0, seq=seq)
    index.remove(first)
    index.push(first, NONE, 0, seq=seq)

    assert index.pop_for(NONE) is first
    assert index.pop_for(NONE) is second


def test_remove_skips_item_lazily() -> None:
    index: PendingTasks[str] = PendingTasks()
    for name, priority in [("x", 3), ("y", 2), ("z", 1)]:
        index.push(name, A, priority)

    assert index.remove("x") is True
    assert index.remove("y") is True
    assert "x" not in index
    assert len(index) == 1
    assert index.groups() == {A: 1}
    assert drain(index, A) == ["z"]


def test_remove_of_unknown_or_taken_item_is_false() -> None:
    index: PendingTasks[str] = PendingTasks()
    index.push("t", NONE, 0)

    assert index.remove("never") is False
    assert index.pop_for(NONE) == "t"
    assert index.remove("t") is False
    assert len(index) == 0


def test_removed_then_repushed_item_is_served_once() -> None:
    index: PendingTasks[str] = PendingTasks()
    index.push("t", A, 5)
    index.push("other", A, 1)
    index.remove("t")
    index.push("t", B, 0)

    assert drain(index, AB) == ["other", "t"]


def test_removed_then_repushed_in_same_group_uses_new_priority() -> None:
    index: PendingTasks[str] = PendingTasks()
    index.push("t", A, 5)
    index.push("other", A, 1)
    index.remove("t")
    index.push("t", A, 0)

    assert drain(index, A) == ["other", "t"]


def test_requeue_with_original_seq_keeps_submission_order() -> None:
    index: PendingTasks[str] = PendingTasks()
    seq = index.push("retried", A, 1)
    assert index.pop_for(A) == "retried"
    index.push("later-1", A, 1)
    index.push("later-2", NONE, 1)

    assert index.push("retried", A, 1, seq=seq) == seq
    assert drain(index, A) == ["retried", "later-1", "later-2"]


def test_requeue_still_ranks_by_priority() -> None:
    index: PendingTasks[str] = PendingTasks()
    seq = index.push("retried", NONE, 0)
    index.pop_for(NONE)
    index.push("urgent", NONE, 1)
    index.push("retried", NONE, 0, seq=seq)

    assert drain(index, NONE) == ["urgent", "retried"]


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


def test_heavy_removal_compacts_the_group() -> None:
    index: PendingTasks[str] = PendingTasks()
    index.push("head", A, 10)
    for i in range(1000):
        index.push(f"t{i}", A, 0)
    for i in range(1000):
        index.remove(f"t{i}")

    assert index._groups[A].stale < 100
    assert drain(index, A) == ["head"]


def test_removed_items_pushed_again_after_compaction_or_a_dropped_group() -> None:
    index: PendingTasks[str] = PendingTasks()
    for i in range(200):
        index.push(f"t{i}", A, i % 3)
    for i in range(190):
        index.remove(f"t{i}")  # compacts the group on the way
    assert index._groups[A].stale < 100
    for i in range(0, 190, 10):
        index.push(f"t{i}", A, 0)  # whether or not its stale entry is still there
    for i in range(190, 200):
        index.remove(f"t{i}")
    expected = [f"t{i}" for i in range(0, 190, 10)]
    assert drain(index, A) == expected
    index.push("x", B, 0)
    index.remove("x")  # drops group B, its stale entry with it
    index.push("x", B, 1)
    assert drain(index, B) == ["x"]
    assert index._stale == {}


CAPABILITIES = ["a", "b", "c"]
REQUIREMENT_SETS = st.frozensets(st.sampled_from(CAPABILITIES), max_size=2)
AGENT_SETS = st.frozensets(st.sampled_from(CAPABILITIES))


@dataclass
class Model:
    """Brute force: scan every pending item, ordered by (-priority, seq)."""

    pending: dict[int, tuple[frozenset[str], int, int]] = field(default_factory=dict)

    def best(self, capabilities: frozenset[str]) -> int | None:
        eligible = [
            (-priority, seq, item)
            for item, (requires, priority, seq) in self.pending.items()
            if requires <= capabilities
        ]
        return min(eligible)[2] if eligible else None


operations = st.lists(
    st.one_of(
        st.tuples(st.just("push"), REQUIREMENT_SETS, st.integers(-2, 2)),
        st.tuples(st.just("pop"), AGENT_SETS),
        st.tuples(st.just("remove"), st.integers(0, 30)),
        st.tuples(st.just("requeue"), st.integers(0, 30), st.integers(-2, 2)),
        st.tuples(st.just("again"), st.integers(0, 30), REQUIREMENT_SETS, st.integers(-2, 2)),
    ),
    max_size=60,
)


@settings(max_examples=400, deadline=None)
@given(operations)
def test_matches_brute_force_model(ops: list[tuple[object, ...]]) -> None:
    index: PendingTasks[int] = PendingTasks()
    model = Model()
    taken: dict[int, tuple[frozenset[str], int]] = {}  # popped items and their seq
    removed: set[int] = set()
    next_item = 0
    for op in ops:
        match op:
            case ("push", frozenset() as requires, int(priority)):
                seq = index.push(next_item, requires, priority)
                model.pending[next_item] = (requires, priority, seq)
                next_item += 1
            case ("pop", frozenset() as capabilities):
                expected = model.best(capabilities)
                assert index.pop_for(capabilities) == expected
                if expected is not None:
                    requires, _, seq = model.pending.pop(expected)
                    taken[expected] = (requires, seq)
            case ("remove", int(item)):
                was_pending = model.pending.pop(item, None) is not None
                assert index.remove(item) == was_pending
                if was_pending:
                    removed.add(item)
            case ("again", int(item), frozenset() as requires, int(priority)) if item in removed:
                # A removed item pushed again (its stale entry may still be in the index).
                removed.discard(item)
                seq = index.push(item, requires, priority)
                model.pending[item] = (requires, priority, seq)
            case ("requeue", int(item), int(priority)) if item in taken:
                requires, seq = taken.pop(item)
                assert index.push(item, requires, priority, seq=seq) == seq
                model.pending[item] = (requires, priority, seq)
        assert len(index) == len(model.pending)
        expected_groups: dict[frozenset[str], int] = {}
        for requires, _, _ in model.pending.values():
            expected_groups[requires] = expected_groups.get(requires, 0) + 1
        assert index.groups() == expected_groups
    for item in range(next_item):
        assert (item in index) == (item in model.pending)


def test_churn_through_capability_sets_leaves_a_bounded_cache() -> None:
    index: PendingTasks[str] = PendingTasks()
    index.push("stranded", frozenset({"never"}), 0)
    for i in range(3 * SETS_CACHED):  # agents made with a capability of their own, then gone
        assert index.pop_for(frozenset({f"tenant{i}"})) is None
    assert len(index._compatible) <= SETS_CACHED
    assert index.pop_for(frozenset({"never"})) == "stranded"
