"""Matching topics against patterns: the NATS wildcard rules, each subscriber once, in order."""

from __future__ import annotations

import pytest

from actorkit._topics import TopicIndex

# (pattern, topic, matches) — the NATS wildcard rules.
NATS_TABLE = [
    ("a.b", "a.b", True),
    ("a.b", "a", False),
    ("a.b", "a.b.c", False),
    ("a.b", "a.c", False),
    ("a.*", "a.b", True),
    ("a.*", "a.b.c", False),
    ("a.*", "a", False),
    ("a.*", "b.b", False),
    ("a.>", "a.b", True),
    ("a.>", "a.b.c", True),
    ("a.>", "a", False),
    ("a.>", "b.c", False),
    ("*.b", "a.b", True),
    ("*.b", "x.b", True),
    ("*.b", "b", False),
    ("*.b", "a.b.c", False),
    ("*.b", "a.c", False),
    (">", "a", True),
    (">", "a.b.c", True),
    ("*", "a", True),
    ("*", "a.b", False),
    ("a.*.c", "a.b.c", True),
    ("a.*.c", "a.x.c", True),
    ("a.*.c", "a.c", False),
    ("a.*.c", "a.b.b.c", False),
    ("a.*.c", "a.b.d", False),
    ("*.*", "a.b", True),
    ("*.>", "a", False),
    ("*.>", "a.b", True),
    ("a.*.>", "a.b", False),
    ("a.*.>", "a.b.c.d", True),
]


@pytest.mark.parametrize(("pattern", "topic", "expected"), NATS_TABLE)
def test_nats_wildcard_table(pattern: str, topic: str, expected: bool) -> None:
    index: TopicIndex[str] = TopicIndex()
    index.add(pattern, "s")
    assert index.match(topic) == (("s",) if expected else ())
    assert index.match(tuple(topic.split("."))) == (("s",) if expected else ())


@pytest.mark.parametrize(
    ("topic", "rule"),
    [
        ("a.*", "must not contain"),
        ("a..b", "empty token"),
        ("", "must not be empty"),
        ("a.\x9f", "control character"),
    ],
)
def test_match_rejects_invalid_topics_and_does_not_cache_them(topic: str, rule: str) -> None:
    index: TopicIndex[str] = TopicIndex()
    index.add(">", "s")
    for _ in range(2):
        with pytest.raises(ValueError, match=rule):
            index.match(topic)


def test_match_rejects_token_tuples_that_hide_dots_or_empty_tokens() -> None:
    index: TopicIndex[str] = TopicIndex()
    index.add("a.b", "s")
    with pytest.raises(ValueError, match="must not contain dots"):
        index.match(("a.b",))
    with pytest.raises(ValueError, match="empty token"):
        index.match(("a", ""))
    with pytest.raises(ValueError, match="must not be empty"):
        index.match(())


def test_subscriber_with_overlapping_patterns_is_delivered_once() -> None:
    index: TopicIndex[str] = TopicIndex()
    for pattern in ("a.b.c", "a.*.c", "a.>", ">", "*.b.*", "a.b.>"):
        index.add(pattern, "s")
    index.add("a.b.c", "t")
    assert index.match("a.b.c") == ("s", "t")
    assert len(index) == 7


def test_match_order_is_first_subscription_order() -> None:
    index: TopicIndex[str] = TopicIndex()
    index.add("x.y", "first")
    index.add("a.>", "second")
    index.add("a.b", "third")
    index.add("a.b", "first")  # first's rank comes from its earlier pattern
    index.add("*.b", "fourth")
    assert index.match("a.b") == ("first", "second", "third", "fourth")
    # Dropping every pattern and subscribing again makes a subscriber the newest.
    index.remove_subscriber("first")
    index.add("a.b", "first")
    assert index.match("a.b") == ("second", "third", "fourth", "first")
