from __future__ import annotations

import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actorkit._topics import TopicIndex, validate_pattern, validate_topic

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


def test_validate_returns_tokens() -> None:
    assert validate_topic("orders.eu.created") == ("orders", "eu", "created")
    assert validate_topic("x") == ("x",)
    assert validate_pattern("orders.*.>") == ("orders", "*", ">")


BAD_TOPICS = [
    ("", "must not be empty"),
    ("a..b", "empty token"),
    (".a", "empty token"),
    ("a.", "empty token"),
    (".", "empty token"),
    ("a.b c", "whitespace"),
    ("a.\tb", "whitespace"),
    ("a.b\n", "whitespace"),
    ("a.*", "must not contain '\\*' or '>'"),
    ("a.>", "must not contain '\\*' or '>'"),
    ("a*.b", "must not contain '\\*' or '>'"),
    ("a.b>", "must not contain '\\*' or '>'"),
    ("a\x80", "control character"),
    ("a.b\u200b", "control character"),
    ("a.\u2028", "whitespace or a control character"),
]


@pytest.mark.parametrize(("topic", "rule"), BAD_TOPICS)
def test_validate_topic_rejects(topic: str, rule: str) -> None:
    with pytest.raises(ValueError, match=rule):
        validate_topic(topic)


BAD_PATTERNS = [
    ("", "must not be empty"),
    ("a..b", "empty token"),
    (".a", "empty token"),
    ("a.", "empty token"),
    ("a. b", "whitespace"),
    ("a*", "must be whole tokens"),
    ("a.b*", "must be whole tokens"),
    ("a.>>", "must be whole tokens"),
    ("a.*x.c", "must be whole tokens"),
    (">.a", "must be the last token"),
    ("a.>.b", "must be the last token"),
]


def test_a_topic_is_publishable_exactly_when_it_is_subscribable() -> None:
    """Publishing validates with a fast check first; any character it let through that the
    token rules refuse would make a topic one can publish to but never subscribe to. Every
    character of the Basic Multilingual Plane, and the last code point."""
    disagree = []
    for code in [*range(0x10000), sys.maxunicode]:
        topic = "a." + chr(code)
        try:
            validate_pattern(topic)
        except ValueError:
            subscribable = False
        else:
            subscribable = code not in (ord("*"), ord(">"))
        try:
            validate_topic(topic)
        except ValueError:
            publishable = False
        else:
            publishable = True
        if publishable != subscribable:
            disagree.append(hex(code))
    assert disagree == []


@pytest.mark.parametrize(("pattern", "rule"), BAD_PATTERNS)
def test_validate_pattern_rejects(pattern: str, rule: str) -> None:
    with pytest.raises(ValueError, match=rule):
        validate_pattern(pattern)
    index: TopicIndex[str] = TopicIndex()
    with pytest.raises(ValueError, match=rule):
        index.add(pattern, "s")
    assert len(index) == 0
    assert "s" not in index


@pytest.mark.parametrize("bad", [None, 3, b"a.b", ["a", "b"]])
def test_non_str_is_a_type_error(bad: object) -> None:
    with pytest.raises(TypeError, match="must be a str"):
        validate_topic(bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="must be a str"):
        validate_pattern(bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        TopicIndex[str]().match(bad)  # type: ignore[arg-type]


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


# --- property test: the index agrees with a brute-force matcher --------------------------

TOKENS = ["a", "b", "c"]
pattern_tokens = st.lists(st.sampled_from([*TOKENS, "*"]), min_size=1, max_size=3).flatmap(
    lambda toks: st.sampled_from([toks, [*toks, ">"]])
) | st.just([">"])
patterns = pattern_tokens.map(".".join)
topics = st.lists(st.sampled_from(TOKENS), min_size=1, max_size=4).map(".".join)
subscribers = st.integers(0, 3)
ops = st.lists(
    st.one_of(
        st.tuples(st.just("add"), patterns, subscribers),
        st.tuples(st.just("remove"), patterns, subscribers),
        st.tuples(st.just("drop"), st.just(""), subscribers),
        st.tuples(st.just("match"), topics, st.just(0)),
    ),
    max_size=40,
)


def brute_matches(pattern: str, topic: str) -> bool:
    p, t = pattern.split("."), topic.split(".")
    if p[-1] == ">":
        return len(t) > len(p) - 1 and all(x in ("*", y) for x, y in zip(p[:-1], t, strict=False))
    return len(p) == len(t) and all(x in ("*", y) for x, y in zip(p, t, strict=True))


@settings(max_examples=200, deadline=None)
@given(ops)
def test_index_agrees_with_brute_force(operations: list[tuple[str, str, int]]) -> None:
    index: TopicIndex[int] = TopicIndex(cache_size=4)
    model: dict[int, list[str]] = {}  # subscriber -> patterns, in order; dict order = rank
    for op, arg, sub in operations:
        if op == "add":
            fresh = arg not in model.get(sub, [])
            assert index.add(arg, sub) is fresh
            model.setdefault(sub, [])
            if fresh:
                model[sub].append(arg)
        elif op == "remove":
            present = arg in model.get(sub, [])
            assert index.remove(arg, sub) is present
            if present:
                model[sub].remove(arg)
                if not model[sub]:
                    del model[sub]
        elif op == "drop":
            assert index.remove_subscriber(sub) == model.pop(sub, [])
        else:
            expected = tuple(s for s, ps in model.items() if any(brute_matches(p, arg) for p in ps))
            assert index.match(arg) == expected
            assert index.match(tuple(arg.split("."))) == expected
        assert len(index) == sum(len(ps) for ps in model.values())
        for s in range(4):
            assert (s in index) is (s in model)
            assert index.patterns_of(s) == frozenset(model.get(s, ()))
