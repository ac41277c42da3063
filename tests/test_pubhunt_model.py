"""`system.publish` against a brute-force NATS matcher while the subscriptions keep changing
between publishes: one pattern or all of them dropped, a subscribe from inside the actor, a
restart, a stop with the name reused at once, a subscribed pool resized. Each publish's count,
each subscriber's deliveries (in order, each once) and the dead letters follow the model; a
stale cached match would deliver to a subscriber that left or miss one that came.

Topics include unicode tokens and tokens long enough that the topic is past the cache's
1,024-character bound (matched anew each time); the router's cache is at its default size,
or shrunk to a few topics so that it is cleared again and again (as 8,192 distinct topics
would)."""

from __future__ import annotations

import random
from collections import defaultdict
from typing import Any

import pytest

from actorkit import DEAD_LETTER_TOPIC, Actor, ActorRef, ActorSystem, DeadLetter
from actorkit._topics import CACHED_LENGTH, TopicIndex
from actorkit.testing import subscription_count

LONG = "λ" * (CACHED_LENGTH + 10)
TOKENS = ["a", "b", "ü", "日本", LONG]
SLOTS = 4
CRASHES = 3
"""Crashes in all: the root's default strategy allows 3 restarts of its children within 5 s."""


def nats_matches(pattern: str, topic: str) -> bool:
    """NATS rules, the obvious way: `*` is one token, a final `>` one or more."""
    p, t = pattern.split("."), topic.split(".")
    if p[-1] == ">":
        return len(t) >= len(p) and all(x in ("*", y) for x, y in zip(p[:-1], t, strict=False))
    return len(p) == len(t) and all(x in ("*", y) for x, y in zip(p, t, strict=True))


def test_the_brute_force_matcher_follows_the_documented_examples() -> None:
    cases = {
        ("a.*", "a.b"): True,
        ("a.*", "a.b.c"): False,
        ("a.>", "a.b"): True,
        ("a.>", "a.b.c"): True,
        ("a.>", "a"): False,
        (">", "a"): True,
        ("*.*", "a"): False,
        ("a.*.>", "a.b"): False,
        ("a.*.>", "a.b.c"): True,
    }
    for (pattern, topic), expected in cases.items():
        assert nats_matches(pattern, topic) is expected, (pattern, topic)


def token(rng: random.Random) -> str:
    return LONG if rng.random() < 0.05 else rng.choice(TOKENS[:-1])


def random_pattern(rng: random.Random) -> str:
    if rng.random() < 0.05:
        return ">"
    tokens = [rng.choice(["*", token(rng)]) for _ in range(rng.randint(1, 3))]
    if rng.random() < 0.3:
        tokens.append(">")
    return ".".join(tokens)


def random_topic(rng: random.Random) -> str:
    return ".".join(token(rng) for _ in range(rng.randint(1, 4)))


class Logger(Actor):
    """Logs what it gets under a tag its factory arguments fix: a restart keeps the tag."""

    def __init__(self, log: dict[str, list[Any]], tag: str) -> None:
        self.log, self.tag = log, tag

    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise RuntimeError("crash")
        if isinstance(message, tuple) and message[0] in ("sub", "unsub"):
            (self.subscribe if message[0] == "sub" else self.unsubscribe)(message[1])
            return None
        if message == "sync":
            return None
        if isinstance(message, DeadLetter):
            message = ("dead", message.message, message.reason)
        self.log[self.tag].append(message)
        return None


async def drain(ref: ActorRef) -> None:
    for member in getattr(ref, "members", None) or [ref]:
        await member.ask("sync")


@pytest.mark.parametrize("cache_size", [3, None])
@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_publishes_follow_the_model_as_subscriptions_change(
    seed: int, cache_size: int | None
) -> None:
    rng = random.Random(seed)
    log: dict[str, list[Any]] = defaultdict(list)
    expected: dict[str, list[Any]] = defaultdict(list)
    async with ActorSystem("pubhunt") as system:
        if cache_size is not None:  # cleared at nearly every miss, as by many distinct topics
            system._router._index = TopicIndex(cache_size=cache_size)  # noqa: SLF001
        refs: dict[str, ActorRef] = {}
        tags: dict[str, str] = {}
        crashes = 0
        model: dict[str, set[str]] = {}
        for i in range(SLOTS):
            slot = f"s{i}"
            tags[slot], model[slot] = f"{slot}g0", set()
            refs[slot] = await system.spawn(Logger, log, tags[slot], name=slot)
        refs["pool"] = await system.spawn_pool(Logger, log, "pool", size=2, name="pool")
        tags["pool"], model["pool"] = "pool", set()
        unmatched = 0
        for step in range(250):
            slot = rng.choice(list(refs))
            ref, roll = refs[slot], rng.random()
            if roll < 0.25:
                pattern = random_pattern(rng)
                if slot != "pool" and rng.random() < 0.3:
                    await ref.ask(("sub", pattern))  # self.subscribe
                else:
                    system.subscribe(ref, pattern)
                model[slot].add(pattern)
            elif roll < 0.35:
                pattern = rng.choice(sorted(model[slot]) or [random_pattern(rng)])
                if slot != "pool" and rng.random() < 0.3:
                    await ref.ask(("unsub", pattern))  # self.unsubscribe
                else:
                    system.unsubscribe(ref, pattern)
                model[slot].discard(pattern)
            elif roll < 0.38:
                system.unsubscribe(ref)
                model[slot].clear()
            elif roll < 0.41 and slot != "pool" and crashes < CRASHES:
                crashes += 1
                with pytest.raises(RuntimeError):
                    await ref.ask("crash")  # restarted, its subscriptions kept
            elif roll < 0.44 and slot != "pool":
                await drain(ref)
                await ref.stop()
                tags[slot] = f"{slot}g{step}"
                refs[slot] = await system.spawn(Logger, log, tags[slot], name=slot)
                model[slot] = set()  # the new actor under the name inherits nothing
            elif roll < 0.47 and slot == "pool":
                await ref.resize(rng.randint(1, 3))  # type: ignore[attr-defined]
            else:
                topic = random_topic(rng)
                matched = [s for s, ps in model.items() if any(nats_matches(p, topic) for p in ps)]
                assert system.publish(topic, ("pub", step)) == len(matched), (step, topic)
                for s in matched:
                    expected[tags[s]].append(("pub", step))
                if not matched:
                    unmatched += 1
                    for s, ps in model.items():
                        if any(nats_matches(p, DEAD_LETTER_TOPIC) for p in ps):
                            expected[tags[s]].append(("dead", ("pub", step), "no_subscribers"))
            assert subscription_count(system) == sum(map(len, model.values())), step
        for ref in refs.values():
            await drain(ref)
        pooled = log.pop("pool", [])
        assert sorted(pooled, key=repr) == sorted(expected.pop("pool", []), key=repr)
        assert {t: got for t, got in log.items() if got} == dict(expected)
        assert system.dead_letters.by_reason == ({"no_subscribers": unmatched} if unmatched else {})
