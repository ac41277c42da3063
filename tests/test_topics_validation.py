"""Topic and pattern validation: what is refused, and publishable means subscribable."""

from __future__ import annotations

import sys

import pytest

from actorkit._topics import TopicIndex, validate_pattern, validate_topic


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
