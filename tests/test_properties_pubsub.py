"""`system.publish` against a brute-force NATS matcher: each match once, in order, counted."""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from actorkit import DEAD_LETTER_TOPIC, Actor, ActorSystem, DeadLetter

from .invariants import assert_invariants

TOKENS = ["a", "b", "c"]
pattern_st = (
    st.lists(st.sampled_from([*TOKENS, "*"]), min_size=1, max_size=3).flatmap(
        lambda tokens: st.sampled_from([tokens, [*tokens, ">"]])
    )
    | st.just([">"])
).map(".".join)
topic_st = st.lists(st.sampled_from(TOKENS), min_size=1, max_size=4).map(".".join)


def nats_matches(pattern: str, topic: str) -> bool:
    """NATS rules, the obvious way: `*` is one token, a final `>` one or more."""
    p, t = pattern.split("."), topic.split(".")
    if p[-1] == ">":
        return len(t) >= len(p) and all(x in ("*", y) for x, y in zip(p[:-1], t, strict=False))
    return len(p) == len(t) and all(x in ("*", y) for x, y in zip(p, t, strict=True))


class Inbox(Actor):
    def __init__(self) -> None:
        self.got: list[object] = []

    async def receive(self, message: Any) -> Any:
        if message == "get":
            return list(self.got)
        if isinstance(message, DeadLetter):  # a pattern such as `>` matches the dead-letter
            message = ("dead letter", message.message, message.reason)  # topic too
        self.got.append(message)
        return None


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(pattern_st, min_size=1, max_size=3), min_size=1, max_size=5),
    st.lists(topic_st, min_size=1, max_size=15),
)
def test_publish_reaches_exactly_the_matching_actors_once(
    subscriptions: list[list[str]], topics: list[str]
) -> None:
    async def scenario() -> None:
        async with ActorSystem("pubsub") as system:
            refs = []
            for patterns in subscriptions:
                ref = await system.spawn(Inbox)
                for pattern in patterns:
                    system.subscribe(ref, pattern)
                refs.append(ref)

            def matched(topic: str) -> int:
                return sum(
                    any(nats_matches(p, topic) for p in patterns) for patterns in subscriptions
                )

            unmatched = 0
            for topic in topics:
                expected = matched(topic)
                assert system.publish(topic, topic) == expected, topic
                unmatched += expected == 0
            for ref, patterns in zip(refs, subscriptions, strict=True):
                wanted: list[object] = []
                for topic in topics:
                    if any(nats_matches(p, topic) for p in patterns):
                        wanted.append(topic)
                    elif not matched(topic) and any(
                        nats_matches(p, DEAD_LETTER_TOPIC) for p in patterns
                    ):
                        wanted.append(("dead letter", topic, "no_subscribers"))
                assert await ref.ask("get") == wanted  # in order, each once
            assert system.dead_letters.by_reason.get("no_subscribers", 0) == unmatched
            assert_invariants(system)

    asyncio.run(scenario())
