"""Dead letters (docs/api.md, "Dead letters") in a case the suites left open: a `DeadLetter`
record taken from `recent` and lost with a stopping actor's whole queue is counted as any
message, as it is when lost alone; only the watchers' own copies are not."""

from __future__ import annotations

import asyncio

from actorkit import DEAD_LETTER_TOPIC, ActorSystem

from .test_dead_letter_bulk import held_with_queue, stop_released
from .test_dead_letter_watchers import Sink


async def test_a_record_from_recent_lost_in_a_stopping_queue_is_a_dead_letter_again() -> None:
    async with asyncio.timeout(10), ActorSystem() as system:
        watcher = await system.spawn(Sink)
        system.subscribe(watcher, DEAD_LETTER_TOPIC)  # its copies are made, and known as such
        system.publish("nobody.listens", "lost")
        record = system.dead_letters.recent[-1]
        held, release = await held_with_queue(system, ["first", record])
        await stop_released(held, release)
        assert [(d.message, d.reason) for d in system.dead_letters.recent] == [
            ("lost", "no_subscribers"),
            ("first", "stopping"),
            (record, "stopping"),
        ]
        assert system.dead_letters.count == 3
