"""Concurrent dictionary: 20 workers doing reads and writes on one dictionary actor.

Each worker makes n requests, one at a time, and the dictionary replies to the worker by a
tell (Savina's request-reply by messages): one write in ten, the nine reads after it reading
the key just written. Keys are the worker's own, so each worker's sum of replies is known.
"""

from __future__ import annotations

from typing import Any

from actorkit import Actor

from .._harness import Figures, Stopwatch
from ._common import Done, check, figures, raw_actors, savina, system

WORKERS = 20
WRITE_EVERY = 10
START = "start"


class Write:
    __slots__ = ("key", "sender", "value")

    def __init__(self, sender: Any, key: tuple[int, int], value: int) -> None:
        self.sender = sender
        self.key = key
        self.value = value


class Read:
    __slots__ = ("key", "sender")

    def __init__(self, sender: Any, key: tuple[int, int]) -> None:
        self.sender = sender
        self.key = key


class Dictionary(Actor):
    def __init__(self) -> None:
        self.data: dict[tuple[int, int], int] = {}

    async def receive(self, message: Any) -> None:
        if type(message) is Write:
            self.data[message.key] = message.value
            message.sender.tell(message.value)
        else:
            message.sender.tell(self.data[message.key])


class Worker(Actor):
    def __init__(self, dictionary: Any, index: int, requests: int, done: Done) -> None:
        self.dictionary = dictionary
        self.index = index
        self.requests = requests
        self.sent = 0
        self.total = 0
        self.done = done

    async def receive(self, message: Any) -> None:
        if message is not START:
            self.total += message
        i = self.sent
        if i == self.requests:
            self.done.tell(self.total)
            return
        self.sent = i + 1
        written = i - i % WRITE_EVERY
        if i == written:
            self.dictionary.tell(Write(self.ref, (self.index, i), i))
        else:
            self.dictionary.tell(Read(self.ref, (self.index, written)))


def expected(n: int) -> int:
    return WORKERS * sum(i - i % WRITE_EVERY for i in range(n))


async def concdict(workers: list[Any], done: Done, n: int) -> Figures:
    with Stopwatch() as watch:
        for worker in workers:
            worker.tell(START)
        total = await done
    check(total, expected(n))
    return figures(2 * n * WORKERS, watch.seconds)


async def concdict_actorkit(n: int) -> Figures:
    async with system() as actors:
        done = Done(WORKERS)
        dictionary = await actors.spawn(Dictionary, mailbox_size=None)
        workers = [
            await actors.spawn(Worker, dictionary, i, n, done, mailbox_size=None)
            for i in range(WORKERS)
        ]
        return await concdict(workers, done, n)


async def concdict_raw(n: int) -> Figures:
    async with raw_actors() as raw:
        done = Done(WORKERS)
        dictionary = raw.spawn(Dictionary)
        workers = [raw.spawn(Worker, dictionary, i, n, done) for i in range(WORKERS)]
        return await concdict(workers, done, n)


BENCHES = [
    savina(
        "savina_concdict",
        concdict_actorkit,
        concdict_raw,
        size=10_000,
        quick=200,
        per_n=2 * WORKERS,
    ),
]
