"""docs/api.md §9 Router: a pool that gave up and waits out its supervisor's backoff holds
what is sent to it in its own mailbox, as much as one member takes (the default bound at
least), without bound for unbounded members. Past the default bound, tells, publishes, sends
and asks of every routing: none refused for unbounded members; each copy handled once or one
dead letter (bounded members: the tells past the bound raise `MailboxFull`, the publishes
are dead letters `mailbox_full`); the asks answered; the accounting balanced."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest

from actorkit import DEFAULT_MAILBOX_SIZE, ActorSystem, MailboxFull
from actorkit.testing import ManualClock

from .pool_support import restarting_root, two_failing_on_a_gate

BOUND = 10.0
ROUTINGS = ("round_robin", "random", "least_loaded", "consistent_hash", "broadcast")
PAST = 50  # tells past the default bound


@pytest.mark.parametrize("routing", ROUTINGS)
@pytest.mark.parametrize("mailbox_size", [None, 3])
async def test_a_pool_that_gave_up_holds_past_the_default_bound_for_unbounded_members(
    routing: str, mailbox_size: int | None, clock: ManualClock
) -> None:
    async with (
        asyncio.timeout(BOUND),
        ActorSystem(clock=clock, supervisor=restarting_root(1.0)) as system,
    ):
        pool, gate, seen = await two_failing_on_a_gate(system, routing, mailbox_size)
        system.subscribe(pool, "news.>")
        copies = 2 if routing == "broadcast" else 1
        for member in pool.members:
            member.tell("block")
        await clock.settle()
        gate.set()
        await clock.settle()
        assert pool.members == []  # gave up: waiting out its supervisor's backoff

        expected: Counter[Any] = Counter()
        refused = 0
        for n in range(DEFAULT_MAILBOX_SIZE + PAST):
            try:
                pool.tell(("tell", n))
                expected[("tell", n)] = copies
            except MailboxFull:
                refused += 1
        published = [system.publish("news.x", ("publish", n)) for n in range(PAST)]
        expected.update({("publish", n): copies if p else 1 for n, p in enumerate(published)})
        sends = [asyncio.ensure_future(pool.send(("send", n))) for n in range(20)]
        asks = [asyncio.ensure_future(pool.ask(("ask", n), timeout=30.0)) for n in range(20)]
        await clock.settle()
        await clock.advance(1.0)  # the pool restarts and hands over what it held
        await clock.settle()
        await asyncio.gather(*sends)
        answers = await asyncio.gather(*asks)
        assert answers == [("ask", n) for n in range(20)]

        expected.update({("send", n): copies for n in range(20)})
        letters = [letter.message for letter in system.dead_letters.recent]
        dead = Counter(m for m in letters if isinstance(m, tuple) and m[0] != "ask")
        assert Counter(m for m in seen if m[0] != "ask") + dead == expected
        if mailbox_size is None:
            assert refused == 0 and all(published) and not dead
        else:
            assert refused == PAST and not any(published)
        assert system.accounting().balanced
