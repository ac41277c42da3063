"""Bad input to `publish`, `subscribe` and `unsubscribe`: malformed topics and subscribers."""

from __future__ import annotations

from actorkit import ActorStopped

from .bad_input_support import Case, each, raises_as_documented

CASES = [
    # pub-sub
    Case(
        "publish: empty topic", lambda e: e.system.publish("", 1), ValueError, "must not be empty"
    ),
    Case("publish: empty token", lambda e: e.system.publish("a..b", 1), ValueError, "empty token"),
    Case("publish: wildcard", lambda e: e.system.publish("a.*", 1), ValueError, "wildcard"),
    Case("publish: whitespace", lambda e: e.system.publish("a b", 1), ValueError, "whitespace"),
    Case("publish: not a str", lambda e: e.system.publish(42, 1), TypeError, "must be a str"),  # type: ignore[arg-type]
    Case(
        "publish: a tuple of tokens (refused with a transport too)",
        lambda e: e.system.publish(("a", "b"), 1),  # type: ignore[arg-type]
        TypeError,
        "topic must be a str, not tuple",
    ),
    Case("subscribe: empty pattern", lambda e: e.system.subscribe(e.ref, ""), ValueError, "empty"),
    Case(
        "subscribe: > not last",
        lambda e: e.system.subscribe(e.ref, "a.>.b"),
        ValueError,
        "must be the last token",
    ),
    Case(
        "subscribe: wildcard inside a token",
        lambda e: e.system.subscribe(e.ref, "a*"),
        ValueError,
        "whole token",
    ),
    Case(
        "subscribe: a stopped actor",
        lambda e: e.system.subscribe(e.stopped, "a"),
        ActorStopped,
        "is stopped and cannot subscribe",
    ),
    Case(
        "subscribe: a bad pattern for a stopped actor (the pattern is checked first)",
        lambda e: e.system.subscribe(e.stopped, "a..b"),
        ValueError,
        "empty token",
    ),
    Case(
        "subscribe: not a ref",
        lambda e: e.system.subscribe("/live", "a"),  # type: ignore[arg-type]
        TypeError,
        "subscribe needs the ActorRef of a local actor",
    ),
    Case(
        "unsubscribe: bad pattern",
        lambda e: e.system.unsubscribe(e.ref, "a..b"),
        ValueError,
        "empty token",
    ),
    Case(
        "unsubscribe: not a ref",
        lambda e: e.system.unsubscribe(42),  # type: ignore[arg-type]
        TypeError,
        r"unsubscribe needs the ActorRef of a local actor \(such as one returned by spawn\), got "
        "int 42; a remote actor subscribes in the system that owns it",
    ),
]


@each(CASES)
async def test_bad_input_raises_the_documented_error_saying_what_to_change(case: Case) -> None:
    await raises_as_documented(case)
