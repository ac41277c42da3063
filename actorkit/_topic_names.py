"""Which texts are topics one may publish to, and which are patterns one may subscribe with.

Topics and patterns follow NATS subject rules. A topic is dot-separated tokens
(`orders.eu.created`); a pattern may use `*` for exactly one token and `>` for one or more
trailing tokens (so `>` must be last). NATS treats `*` or `>` inside a token as literal
characters; here that is rejected instead, because `orders*` is almost always a mistaken
attempt at a prefix wildcard and silently matching nothing would hide it.

Every subscribe and unsubscribe validates its pattern, and every publish of a topic not in
the index's cache validates the topic, so the common case (printable ASCII) is one C-level
regular expression call. Anything else goes to `_tokens`, which takes the text apart to say
which rule it broke, or accepts it (a token may hold any printable non-ASCII character).
"""

from __future__ import annotations

import re

from ._shown import given

# Printable ASCII but space and `*`, `.`, `>`. The fast checks built on it accept no more than
# `_tokens` does (tests/test_topics_validation.py holds them to it, character by character).
_PLAIN = r"[!-)+-\-/-=?-~]"
_VALID_TOPIC = re.compile(rf"{_PLAIN}+(?:\.{_PLAIN}+)*")
_VALID_PATTERN = re.compile(rf"(?:{_PLAIN}+|\*)(?:\.(?:{_PLAIN}+|\*))*(?:\.>)?|>")
# The characters `str.isspace` accepts: the regex engine asks the same Unicode property, for
# the whole token in one call instead of one Python call per character.
_SPACE = re.compile(r"\s")


def _tokens(text: object, kind: str, wildcards: bool) -> tuple[str, ...]:
    """Split `text` into tokens, raising an error that names the first rule it breaks."""
    if not isinstance(text, str):
        raise TypeError(f"{kind} must be a str, not {type(text).__name__}")
    if not text:
        raise ValueError(f"{kind} must not be empty")
    tokens = tuple(text.split("."))
    last = len(tokens) - 1
    for i, token in enumerate(tokens):
        if not token:
            raise ValueError(
                f"{kind} {given(text)} has an empty token: tokens are separated by single dots, "
                "with no leading or trailing dot"
            )
        if not token.isprintable() or _SPACE.search(token):
            raise ValueError(f"{kind} {given(text)} has whitespace or a control character")
        if "*" not in token and ">" not in token:
            continue
        if not wildcards:
            raise ValueError(
                f"{kind} {given(text)} has a wildcard: published topics must not contain '*' or '>'"
            )
        if token not in ("*", ">"):
            raise ValueError(
                f"{kind} {given(text)} has a wildcard inside a token: "
                "'*' and '>' must be whole tokens"
            )
        if token == ">" and i != last:
            raise ValueError(
                f"{kind} {given(text)} has '>' before its end: '>' must be the last token"
            )
    return tokens


def validate_topic(topic: str) -> tuple[str, ...]:
    """Return the tokens of a topic one may publish to.

    Raises TypeError for a non-str and ValueError, naming the rule, for an empty topic, an
    empty token, whitespace in a token, or any `*`/`>` (publishes name one concrete topic).
    """
    if isinstance(topic, str) and _VALID_TOPIC.fullmatch(topic):
        return tuple(topic.split("."))
    return _tokens(topic, "topic", wildcards=False)


def topic_text(topic: str | tuple[str, ...]) -> str:
    """The topic string `TopicIndex.match` was given, as text or tokens; raises if invalid."""
    text = ".".join(topic) if isinstance(topic, tuple) else topic
    if not (isinstance(text, str) and _VALID_TOPIC.fullmatch(text)):
        validate_topic(text)  # raises, naming the broken rule
    if isinstance(topic, tuple) and text.count(".") != len(topic) - 1:
        raise ValueError(
            f"topic tokens {given(topic)} include a '.': a token must not contain dots"
        )
    return text


def validate_pattern(pattern: str) -> tuple[str, ...]:
    """Return the tokens of a subscription pattern.

    Same rules as `validate_topic`, except that `*` and `>` are allowed as whole tokens and
    `>` only as the last one.
    """
    if isinstance(pattern, str) and _VALID_PATTERN.fullmatch(pattern):
        return tuple(pattern.split("."))
    return _tokens(pattern, "pattern", wildcards=True)
