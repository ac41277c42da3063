"""Removing and requeueing pending tasks: lazy removal, kept order, compaction."""

from __future__ import annotations

from actorkit._tasks._index import PendingTasks

from .task_index_support import AB, NONE, A, B, drain


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
    assert "requeued" not in index._stale


def test_removing_in_submission_order_leaves_no_stale_entries() -> None:
    """Deadlines and cancels mostly come in the order of submission: each removes its
    level's oldest entry at once, and a burst of them never needs a compaction."""
    index: PendingTasks[str] = PendingTasks()
    for i in range(100):
        index.push(f"t{i}", A, 0)
    for i in range(50):
        assert index.remove(f"t{i}") is True
    assert index._stale == {} and index._groups[A].stale == 0
    assert drain(index, A) == [f"t{i}" for i in range(50, 100)]


def test_removing_the_oldest_takes_the_stale_entries_behind_it() -> None:
    index: PendingTasks[str] = PendingTasks()
    for name in "abcd":
        index.push(name, A, 0)
    index.remove("b")
    index.remove("c")
    assert set(index._stale) == {"b", "c"}
    index.remove("a")
    assert index._stale == {} and index._groups[A].stale == 0
    assert drain(index, A) == ["d"]


def test_removing_an_entry_behind_a_requeued_one_keeps_the_order() -> None:
    """A requeued task goes back to its level's front, ahead of the entry then removed, which
    is not the front and stays stale until it surfaces."""
    index: PendingTasks[str] = PendingTasks()
    seq = index.push("retried", A, 0)
    assert index.pop_for(A) == "retried"
    index.push("x", A, 0)
    index.push("y", A, 0)
    index.push("retried", A, 0, seq=seq)  # at the front again, before x and y
    index.remove("x")
    assert drain(index, A) == ["retried", "y"]


def test_a_swept_group_leaves_the_others_filed_under_its_capability_servable() -> None:
    """{x, y} is filed under x or y, each already holding a group: sweeping it away must
    not take the live group filed beside it out of reach of capability sets seen later."""
    index: PendingTasks[str] = PendingTasks()
    index.push("keep-x", frozenset({"x"}), 0)
    index.push("keep-y", frozenset({"y"}), 0)
    index.push("both", frozenset({"x", "y"}), 9)
    assert index.pop_for(frozenset({"x", "y"})) == "both"
    for i in range(40):  # emptied groups enough for a sweep
        index.push(f"t{i}", frozenset({f"t{i}"}), 0)
        assert index.pop_for(frozenset({f"t{i}"})) == f"t{i}"
    assert set(index.groups()) == {frozenset({"x"}), frozenset({"y"})}

    assert index.pop_for(frozenset({"x", "z"})) == "keep-x"
    assert index.pop_for(frozenset({"y", "z"})) == "keep-y"


def test_compaction_drops_stale_requeued_entries_and_the_levels_left_empty() -> None:
    """A requeued entry (between two others) removed stays stale in its level's middle
    heap, and is all that level holds once the others went; compaction takes both away,
    and the item may be pushed again."""
    index: PendingTasks[str] = PendingTasks()
    index.push("keep", A, 0, seq=0)
    index.push("h0", A, 5, seq=100)
    index.push("h1", A, 5, seq=200)
    index.push("requeued", A, 5, seq=150)
    index.remove("requeued")
    index.remove("h0")
    index.remove("h1")
    for i in range(40):  # stale entries behind "keep", enough for a compaction
        index.push(f"t{i}", A, 0, seq=1 + i)
    for i in range(40):
        index.remove(f"t{i}")
    assert "requeued" not in index._stale
    assert list(index._groups[A].levels) == [0]

    index.push("requeued", A, 5, seq=150)
    assert drain(index, A) == ["requeued", "keep"]
