"""Subscribing and unsubscribing: the match cache kept current and bounded, the trie pruned."""

from __future__ import annotations

import weakref

import pytest

from actorkit._topics import TopicIndex


def test_add_and_remove_report_whether_the_pair_changed() -> None:
    index: TopicIndex[str] = TopicIndex()
    assert index.add("a.*", "s") is True
    assert index.add("a.*", "s") is False
    assert index.add("a.*", "t") is True
    assert len(index) == 2
    assert index.remove("a.*", "s") is True
    assert index.remove("a.*", "s") is False
    assert index.remove("a.b", "t") is False
    assert index.remove("a.*", "nobody") is False
    assert len(index) == 1
    assert "s" not in index
    assert "t" in index


def test_remove_validates_the_pattern() -> None:
    index: TopicIndex[str] = TopicIndex()
    with pytest.raises(ValueError, match="empty token"):
        index.remove("a..b", "s")


@pytest.mark.parametrize("pattern", ["a.b", "a.*", "a.>", "*.b", ">"])
def test_cache_sees_adds_and_removes(pattern: str) -> None:
    index: TopicIndex[str] = TopicIndex()
    index.add("a.b", "base")
    assert index.match("a.b") == ("base",)  # cached now
    assert index.match(("a", "b")) == ("base",)
    index.add(pattern, "late")
    assert index.match("a.b") == ("base", "late")
    assert index.match(("a", "b")) == ("base", "late")
    index.remove(pattern, "late")
    assert index.match("a.b") == ("base",)
    assert index.match(("a", "b")) == ("base",)
    index.add(pattern, "late")
    assert index.match("a.b") == ("base", "late")
    index.remove_subscriber("late")
    assert index.match("a.b") == ("base",)
    assert index.match(("a", "b")) == ("base",)


def test_exact_change_keeps_other_cached_topics_correct() -> None:
    index: TopicIndex[str] = TopicIndex()
    index.add("a.*", "w")
    assert index.match("a.x") == ("w",)
    assert index.match("a.y") == ("w",)
    index.add("a.y", "e")
    assert index.match("a.x") == ("w",)
    assert index.match("a.y") == ("w", "e")
    index.remove("a.*", "w")
    assert index.match("a.x") == ()
    assert index.match("a.y") == ("e",)


def test_cache_is_bounded() -> None:
    index: TopicIndex[str] = TopicIndex(cache_size=8)
    index.add("t.>", "s")
    for i in range(100):
        assert index.match(f"t.{i}") == ("s",)
        assert len(index._cache) <= 8


def test_cache_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        TopicIndex(cache_size=0)


def test_remove_subscriber_drops_all_its_patterns() -> None:
    index: TopicIndex[str] = TopicIndex()
    for pattern in ("a.b", "a.*", "x.>", ">"):
        index.add(pattern, "s")
    index.add("a.b", "t")
    index.add("x.>", "t")
    assert index.patterns_of("s") == frozenset({"a.b", "a.*", "x.>", ">"})
    assert index.remove_subscriber("s") == ["a.b", "a.*", "x.>", ">"]
    assert "s" not in index
    assert index.patterns_of("s") == frozenset()
    assert len(index) == 2
    assert index.match("a.b") == ("t",)
    assert index.match("x.y.z") == ("t",)
    assert index.match("q") == ()
    assert index.remove_subscriber("s") == []
    assert index.patterns_of("t") == frozenset({"a.b", "x.>"})


def test_removing_everything_prunes_the_trie() -> None:
    index: TopicIndex[str] = TopicIndex()
    for pattern in ("a.*.c.>", "a.b.*", "*.*", ">", "a.b.c"):
        index.add(pattern, "s")
        index.add(pattern, "t")
    index.remove_subscriber("s")
    for pattern in ("a.*.c.>", "a.b.*", "*.*", ">", "a.b.c"):
        index.remove(pattern, "t")
    assert len(index) == 0
    assert index._root.is_empty()
    assert index._exact == {}


class Subscriber:
    """Hashable by identity and weakly referenceable, as a mailbox is."""


@pytest.mark.parametrize("by_pattern", [True, False])
def test_a_subscriber_that_dropped_every_pattern_is_not_held(by_pattern: bool) -> None:
    index: TopicIndex[Subscriber] = TopicIndex()
    subscriber = Subscriber()
    index.add("a.*", subscriber)
    index.add("a.b", subscriber)
    assert index.match("a.b") == (subscriber,)
    if by_pattern:
        index.remove("a.*", subscriber)
        index.remove("a.b", subscriber)
    else:
        index.remove_subscriber(subscriber)
    gone = weakref.ref(subscriber)
    del subscriber
    assert gone() is None


class Text(str):
    """A str subclass: the index checks it as it checks any pattern it was not given as a str."""


def test_a_pattern_given_as_a_str_subclass_removes_the_equal_one() -> None:
    index: TopicIndex[str] = TopicIndex()
    for pattern in ("a.b", "a.*"):
        index.add(pattern, "s")
    assert index.remove(Text("a.b"), "s") is True
    assert index.remove(Text("a.*"), "s") is True
    assert index.remove(Text("a.b"), "s") is False
    assert index.match("a.b") == ()
    assert "s" not in index
