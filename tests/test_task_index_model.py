"""The pending-task index agrees with a brute-force model under random operations."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from actorkit._tasks import _compatible, _index
from actorkit._tasks._index import PendingTasks

from .task_index_support import check_compatible

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

    def best_key(self, item: int) -> tuple[int, int]:
        """Where the item stands in the order of service: priority, then seq."""
        _, priority, seq = self.pending[item]
        return (-priority, seq)


operations = st.lists(
    st.one_of(
        st.tuples(st.just("push"), REQUIREMENT_SETS, st.integers(-2, 2)),
        st.tuples(st.just("pop"), AGENT_SETS),
        st.tuples(st.just("remove"), st.integers(0, 30)),
        st.tuples(st.just("requeue"), st.integers(0, 30), st.integers(-2, 2)),
        st.tuples(st.just("again"), st.integers(0, 30), REQUIREMENT_SETS, st.integers(-2, 2)),
        st.tuples(st.just("drain")),
    ),
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(operations)
def test_matches_brute_force_model(ops: list[tuple[object, ...]]) -> None:
    run(ops)


@settings(max_examples=200, deadline=None)
@given(operations, st.integers(0, 2), st.integers(1, 3))
def test_matches_with_frequent_sweeps_and_turns(
    ops: list[tuple[object, ...]], slack: int, cached: int
) -> None:
    """Empty groups swept and cached lists forgotten far more often than at full size."""
    with (
        mock.patch.object(_index, "_SWEEP_SLACK", slack),
        mock.patch.object(_compatible, "SETS_CACHED", cached),
    ):
        run(ops, check=True)


@settings(max_examples=200, deadline=None)
@given(operations)
def test_matches_with_a_compaction_at_every_stale_entry(ops: list[tuple[object, ...]]) -> None:
    """A group rebuilt as soon as it holds more stale entries than live ones (at full size,
    32 more): what a bulk cancel out of submission order does to a large group."""
    with mock.patch.object(_index, "_COMPACT_SLACK", 0):
        run(ops, check=True)


def run(ops: list[tuple[object, ...]], *, check: bool = False) -> None:
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
            case ("drain",):
                in_order = sorted(model.pending, key=model.best_key)
                assert index.drain() == in_order
                for item in in_order:
                    requires, _, seq = model.pending.pop(item)
                    taken[item] = (requires, seq)
            case ("requeue", int(item), int(priority)) if item in taken:
                requires, seq = taken.pop(item)
                assert index.push(item, requires, priority, seq=seq) == seq
                model.pending[item] = (requires, priority, seq)
        assert len(index) == len(model.pending)
        expected_groups: dict[frozenset[str], int] = {}
        for requires, _, _ in model.pending.values():
            expected_groups[requires] = expected_groups.get(requires, 0) + 1
        assert index.groups() == expected_groups
        if check:
            check_compatible(index)
            check_entries(index)
    for item in range(next_item):
        assert (item in index) == (item in model.pending)


def check_entries(index: PendingTasks[int]) -> None:
    """Every entry held is its item's live entry or its one stale entry, and each group
    counts both as it holds them (what `remove`'s taking of a level's oldest must keep)."""
    stale_held = 0
    for group in index._groups.values():
        assert sorted(-p for p in group.priorities) == sorted(group.levels)
        live = stale = 0
        for level in group.levels.values():
            assert list(level.seqs) == sorted(level.seqs)
            assert len(level.seqs) == len(level.items)
            assert sorted(level.late) == sorted(level.late_items)
            for item in (*level.items, *level.late_items.values()):
                if item in index._live:
                    assert index._live[item] is level
                    live += 1
                else:
                    assert index._stale[item] is level
                    stale += 1
        assert (live, stale) == (group.live, group.stale)
        stale_held += stale
    assert stale_held == len(index._stale)


def test_entries_stay_counted_under_removals_in_submission_order() -> None:
    """Two levels, removals mostly of the oldest pending item: the stale entries a removal
    uncovers, and those compaction drops, leave the counts and the order of service exact;
    and a drain (shutdown's) takes every pending item in that order, stale entries left."""
    rng = random.Random(11)
    for _ in range(1_500):
        index: PendingTasks[int] = PendingTasks()
        model = Model()
        taken: dict[int, tuple[frozenset[str], int]] = {}
        removed: list[int] = []
        for item in range(rng.randrange(3, 40)):
            priority = rng.choice((0, 0, 1))
            model.pending[item] = (frozenset(), priority, index.push(item, frozenset(), priority))
        for _ in range(rng.randrange(60)):
            op = rng.choice(("remove", "oldest", "oldest", "pop", "again", "requeue", "drain"))
            if op == "remove" and model.pending:
                item = rng.choice(sorted(model.pending))
                del model.pending[item]
                assert index.remove(item)
                removed.append(item)
            elif op == "oldest" and model.pending:
                item = min(model.pending, key=lambda i: model.pending[i][1:])
                del model.pending[item]
                assert index.remove(item)
                removed.append(item)
            elif op == "pop":
                expected = model.best(frozenset())
                assert index.pop_for(frozenset()) == expected
                if expected is not None:
                    requires, _, seq = model.pending.pop(expected)
                    taken[expected] = (requires, seq)
            elif op == "again" and removed:
                item = removed.pop(rng.randrange(len(removed)))
                priority = rng.choice((0, 1))
                model.pending[item] = (
                    frozenset(),
                    priority,
                    index.push(item, frozenset(), priority),
                )
            elif op == "requeue" and taken:
                item = rng.choice(sorted(taken))
                requires, seq = taken.pop(item)
                index.push(item, requires, 0, seq=seq)
                model.pending[item] = (requires, 0, seq)
            elif op == "drain" and rng.random() < 0.25:
                in_order = sorted(model.pending, key=model.best_key)
                assert index.drain() == in_order
                for item in in_order:
                    requires, _, seq = model.pending.pop(item)
                    taken[item] = (requires, seq)
            check_entries(index)
            assert len(index) == len(model.pending)
        while (expected := model.best(frozenset())) is not None:
            assert index.pop_for(frozenset()) == expected
            del model.pending[expected]
