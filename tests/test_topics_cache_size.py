"""The match cache is bounded by size as well as by count: a stream of distinct long topics
holds at most `cache_size` topics of at most 1024 characters, not `cache_size` times the
longest topic published (8192 megabyte-long topics would be 8 GiB)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from actorkit import _topics
from actorkit._topics import TopicIndex

LONGEST_CACHED = 1024
"""The documented bound (api.md, Pub-sub)."""


def held(index: TopicIndex[str]) -> int:
    """Characters of topic text the cache keeps alive."""
    return sum(len(".".join(key)) if isinstance(key, tuple) else len(key) for key in index._cache)


def test_a_stream_of_distinct_long_topics_holds_no_more_than_the_bound() -> None:
    index: TopicIndex[str] = TopicIndex(cache_size=8)
    index.add("t.>", "s")
    index.add("t.*.x", "x")
    for i in range(50):
        topic = f"t.{i}." + "y" * 100_000
        assert index.match(topic) == ("s",)
        assert index.match(tuple(topic.split("."))) == ("s",)
        assert index.match(f"t.{i}.x") == ("s", "x")
        assert held(index) <= 8 * LONGEST_CACHED
    assert len(index._cache) > 0  # the short ones are still cached


def test_a_topic_at_the_bound_is_cached_and_one_past_it_is_matched_each_time() -> None:
    index: TopicIndex[str] = TopicIndex()
    index.add(">", "all")
    at = "a." + "b" * (LONGEST_CACHED - 2)
    past = at + "c"
    assert index.match(at) == index.match(past) == ("all",)
    assert at in index._cache
    assert past not in index._cache
    index.add(past, "exact")  # an uncached topic sees every change all the same
    assert index.match(past) == ("all", "exact")
    index.remove(">", "all")
    assert index.match(past) == ("exact",)
    assert index.match(at) == ()


REFS_KEPT = 1 << 20
"""The documented bound on the subscribers the cache holds, all its topics together."""


def cached_refs(index: TopicIndex[int]) -> int:
    return sum(len(match) for match in index._cache.values())


def test_distinct_topics_under_a_wildcard_with_many_subscribers_hold_no_more_than_the_bound() -> (
    None
):
    """Each cached topic keeps its match, a tuple of every subscriber it reaches: sessions
    that all subscribe to `presence.>`, and a publish per user id, kept 8192 such tuples (2000
    subscribers: 126 MiB; 20,000: 1.2 GiB)."""
    index: TopicIndex[int] = TopicIndex()
    subscribers = 2000
    for subscriber in range(subscribers):
        index.add("presence.>", subscriber)
    index.add("presence.7", -1)
    for user in range(1000):
        assert len(index.match(f"presence.{user}")) == subscribers + (user == 7)
        assert cached_refs(index) <= REFS_KEPT
    assert "presence.999" in index._cache  # the topics lately published are still cached
    index.remove("presence.7", -1)  # a forgotten topic's subscribers leave the count too
    for user in range(1000):
        assert len(index.match(f"presence.{user}")) == subscribers
        assert cached_refs(index) <= REFS_KEPT


def test_the_bound_on_subscribers_is_exact_and_a_larger_match_is_not_cached(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_topics, "CACHED_REFS", 4)
    index: TopicIndex[int] = TopicIndex()
    for subscriber in range(2):
        index.add("a.>", subscriber)
    index.match("a.x")
    index.match("a.y")
    assert set(index._cache) == {"a.x", "a.y"}  # 4 subscribers held: at the bound, kept
    index.match("a.z")
    assert set(index._cache) == {"a.z"}  # past it: the others go, the new one stays
    for subscriber in range(10, 14):
        index.add("c.>", subscriber)
    assert len(index.match("c.x")) == 4
    assert set(index._cache) == {"c.x"}  # a match of the bound alone is cached
    index.add("c.>", 14)
    assert len(index.match("c.x")) == 5
    assert "c.x" not in index._cache  # one past it never is: matched anew each publish
    assert index._cached_refs == cached_refs(index)


def test_the_count_of_subscribers_held_follows_every_change(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A count above what the cache holds would empty it before the bound is reached."""
    monkeypatch.setattr(_topics, "CACHED_REFS", 6)
    index: TopicIndex[int] = TopicIndex(cache_size=3)

    def check() -> None:
        assert index._cached_refs == cached_refs(index)

    index.add("a.x", 1)
    index.add("a.*", 2)
    steps: list[Callable[[], object]] = [
        lambda: index.match("a.x"),
        lambda: index.match(("a", "x")),
        lambda: index.match("a.y"),
        lambda: index.add("a.x", 3),  # an exact pattern: its topic's matches forgotten
        lambda: index.match("a.x"),
        lambda: index.match("a.z"),
        lambda: index.match("a.w"),  # the count bound (3): emptied, this one kept
        lambda: index.match("a.x"),
        lambda: index.match(("a", "x")),  # the subscribers' bound (6): emptied, this one kept
        lambda: index.remove("a.x", 3),
        lambda: index.match("a.x"),
        lambda: index.add("b.>", 4),  # a wildcard: every match forgotten
        lambda: index.match("a.x"),
        lambda: index.remove("b.>", 4),
    ]
    for step in steps:
        step()
        check()
