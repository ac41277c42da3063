"""Topic and pattern validation: what is refused, and publishable means subscribable."""

from __future__ import annotations

import sys
from collections.abc import Callable

import pytest

from actorkit._topic_names import _tokens
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


def _outcome(check: Callable[..., tuple[str, ...]], *args: object) -> tuple[str, ...] | str:
    """The tokens `check(*args)` returns, or its ValueError's message."""
    try:
        return check(*args)
    except ValueError as error:
        return str(error)


# Around each character: alone, as a token of its own, beside a plain token, beside `*`/`>`.
SHAPES = ["{0}", "a.{0}", "{0}.b", "a{0}.b", "*.{0}", "{0}.>", "a.{0}{0}", "{0}*"]


def test_the_fast_pattern_check_accepts_exactly_what_the_token_rules_accept() -> None:
    """`validate_pattern` decides most patterns with one regular expression; any pattern it
    took that the token rules refuse (or tokens it split otherwise) would be a subscription
    the rules forbid. Each shape around every character of the Basic Multilingual Plane and
    the last code point gives the same tokens or the same error as the rules themselves."""
    disagree = []
    for code in [*range(0x10000), sys.maxunicode]:
        for shape in SHAPES:
            pattern = shape.format(chr(code))
            fast = _outcome(validate_pattern, pattern)
            if fast != _outcome(_tokens, pattern, "pattern", True):
                disagree.append(pattern)
    assert disagree == []


WILDCARD_SHAPES = [
    "*", ">", "*.>", "*.*", "a.*.>", "a.>", ">.a", "a.>.b", "a.>>", "**", "*a", "a*.b",
    ">>", "*>", "a.*.*.>", "a..>", ".>", "*.", "a.>.>", "a.b.c.d.e.f.*",
]  # fmt: skip


@pytest.mark.parametrize("pattern", WILDCARD_SHAPES)
def test_the_fast_pattern_check_places_wildcards_as_the_token_rules_do(pattern: str) -> None:
    assert _outcome(validate_pattern, pattern) == _outcome(_tokens, pattern, "pattern", True)


def test_whitespace_or_a_control_character_is_any_character_isspace_or_not_isprintable() -> None:
    """The rule checked per character as `str.isspace` and `str.isprintable` say, however
    the check is made (one call for a whole token)."""
    wrong = []
    for code in [*range(0x10000), sys.maxunicode]:
        char = chr(code)
        if char in ".*>":
            continue
        refused = "whitespace or a control character" in str(
            _outcome(validate_pattern, f"a.{char}b")
        )
        if refused != (char.isspace() or not char.isprintable()):
            wrong.append(hex(code))
    assert wrong == []
