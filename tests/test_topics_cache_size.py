"""The match cache is bounded by size as well as by count: a stream of distinct long topics
holds at most `cache_size` topics of at most 1024 characters, not `cache_size` times the
longest topic published (8192 megabyte-long topics would be 8 GiB)."""

from __future__ import annotations

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
