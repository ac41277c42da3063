"""A pool whose members fail until it gives up (its intensity spent), with bounded members
full and traffic of every kind in flight, then restarted by its own supervisor after a
backoff (docs/api.md §9, Supervision and Router). Nothing is lost silently, nothing twice:

- asks queued at the members or waiting for room there are answered by the restarted pool's
  members within their timeouts (a `broadcast` pool's copies end with the members that hold
  them: the ask fails with `NotDelivered`, safe to retry);
- each copy of a tell, a send or a publish is handled once or is one dead letter (a send
  waiting for room at a member that stops returns, its message a dead letter of that member);
- a publish counts the pool only when a member took it, or the pool itself while it has none;
- the accounting balances."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest

from actorkit import ActorSystem, MailboxFull, NotDelivered
from actorkit.testing import ManualClock, snapshot

from .pool_support import restarting_root, two_failing_on_a_gate

BOUND = 5.0
ROUTINGS = ("round_robin", "random", "least_loaded", "consistent_hash", "broadcast")


@pytest.mark.parametrize("routing", ROUTINGS)
async def test_a_pool_giving_up_with_full_members_loses_nothing_silently(
    routing: str, clock: ManualClock
) -> None:
    async with (
        asyncio.timeout(BOUND),
        ActorSystem(clock=clock, supervisor=restarting_root(1.0)) as system,
    ):
        pool, gate, seen = await two_failing_on_a_gate(system, routing, 2)
        system.subscribe(pool, "news.>")
        copies = 2 if routing == "broadcast" else 1
        for member in pool.members:
            member.tell("block")
        await clock.settle()  # each member is in its handler, with room for two more

        expected: Counter[Any] = Counter()
        members, told, past_full = pool.members, 0, 0
        while past_full < 2:  # fill the members, then two more: refused (broadcast: dead letters)
            past_full += all(snapshot(member).accounting.queued == 2 for member in members)
            try:
                pool.tell(("tell", told))
                expected[("tell", told)] = copies
            except MailboxFull:
                pass
            told += 1
            assert told < 100
        full = [system.publish("news.full", ("full", n)) for n in range(2)]
        asks = [asyncio.ensure_future(pool.ask(("ask", n), timeout=3.0)) for n in range(4)]
        sends = [asyncio.ensure_future(pool.send(("send", n))) for n in range(4)]
        await clock.settle()  # the asks and sends wait for room
        assert full == [0, 0] and not any(task.done() for task in asks + sends)

        gate.set()  # both members fail: one is restarted, then the pool gives up
        await clock.settle()
        assert pool.members == []  # waiting out its supervisor's backoff
        await asyncio.gather(*sends)  # returned: their messages are dead letters
        meanwhile = [system.publish("news.later", ("later", n)) for n in range(3)]
        assert meanwhile == [1, 1, 1]  # the pool's own mailbox took them
        await clock.advance(1.0)  # the pool restarts and hands them to its new members
        await clock.settle()

        outcomes = await asyncio.gather(*asks, return_exceptions=True)
        if routing == "broadcast":
            assert all(type(outcome) is NotDelivered for outcome in outcomes)
        else:
            assert outcomes == [("ask", n) for n in range(4)]
            assert Counter(m for m in seen if m[0] == "ask") == Counter(outcomes)
        assert len(pool.members) == 2 and system.failure is None
        expected.update({("full", n): copies for n in range(2)})
        expected.update({("send", n): copies for n in range(4)})
        expected.update({("later", n): copies for n in range(3)})
        letters: list[Any] = [letter.message for letter in system.dead_letters.recent]
        dead = Counter(message for message in letters if message[0] != "ask")
        assert Counter(m for m in seen if m[0] != "ask") + dead == expected
        assert system.accounting().balanced
