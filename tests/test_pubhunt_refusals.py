"""A refused topic or pattern is quoted cut short, as docs/api.md §8 promises of a wrong value
("cut to 60 characters (a megabyte-long one is not echoed whole)"): a publisher of topics
built from ids or payloads must not get a megabyte-long error (and log line) back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from actorkit import Actor, ActorStopped, ActorSystem
from actorkit._topics import TopicIndex

HUGE = "x" * 1_000_000
LONGEST = 300
"""Generous for a 60-character quote plus the rule it broke."""


class Idle(Actor):
    async def receive(self, message: Any) -> Any:
        return None


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        (HUGE + "..a", "empty token"),
        (HUGE + ".a b", "whitespace"),
        (HUGE + ".a\x00", "control character"),
        (HUGE + ".a*", "wildcard inside a token"),
        (HUGE + ".>.a", "'>' before its end"),
    ],
)
async def test_a_refused_megabyte_pattern_or_topic_is_quoted_short(text: str, rule: str) -> None:
    async with ActorSystem() as system:
        ref = await system.spawn(Idle)
        calls: list[Callable[[], object]] = [
            lambda: system.subscribe(ref, text),
            lambda: system.unsubscribe(ref, text),
            lambda: system.publish(text, 1),
        ]
        for call in calls:
            with pytest.raises(ValueError) as refused:
                call()
            said = str(refused.value)
            assert len(said) < LONGEST, said[:200]
            assert rule in said or "wildcard" in said  # a publish refuses any wildcard


def test_a_token_tuple_hiding_a_dot_is_quoted_short() -> None:
    with pytest.raises(ValueError, match="must not contain dots") as refused:
        TopicIndex[str]().match(("a", "b.c", HUGE))
    assert len(str(refused.value)) < LONGEST


async def test_a_stopped_actor_s_refused_megabyte_pattern_is_quoted_short() -> None:
    async with ActorSystem() as system:
        ref = await system.spawn(Idle)
        await ref.stop()
        with pytest.raises(ActorStopped, match="is stopped") as refused:
            system.subscribe(ref, HUGE)
        assert len(str(refused.value)) < LONGEST
