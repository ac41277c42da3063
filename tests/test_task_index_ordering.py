"""The pending-task index serves by priority, then by submission order."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from actorkit._tasks._index import PendingTasks

from .task_index_support import AB, NONE, A, B, drain


@dataclass(eq=False)
class Task:
    """Hashable by identity and deliberately not orderable, like a real task record."""

    name: str


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


def test_a_given_seq_must_fit_below_the_next_priority() -> None:
    """A seq of 2**64 would rank with the priority below: refused, while 2**64 - 1 still
    ranks last at its own priority, ahead of every lower-priority item."""
    index: PendingTasks[str] = PendingTasks()
    for bad in (-1, 1 << 64):
        with pytest.raises(ValueError, match="seq must be in"):
            index.push("bad", NONE, 1, bad)
    index.push("low", NONE, 0, 0)
    index.push("last", NONE, 1, (1 << 64) - 1)
    index.push("first", NONE, 1, 5)

    assert drain(index, NONE) == ["first", "last", "low"]
