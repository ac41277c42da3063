"""Actors made on the fly: fork-join creation and fib by a tree of child actors.

- fork-join creation: n actors, each spawned, told one message, replying and stopping
  itself; timed until every one is gone;
- fib(n): an actor for each call of the naive recursion, each spawning its two children
  from inside its own handler and replying to its parent, then stopping itself.

The raw side is written out here, because spawning and stopping are the runtime's work: an
actor is a task over its own queue, created with `create_task`, that ends by returning.
"""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor

from .._harness import Figures, Stopwatch
from ._common import Done, check, figures, savina, system


class Once(Actor):
    """Replies to `done` with its one message, then stops itself."""

    def __init__(self, done: Done) -> None:
        self.done = done

    async def receive(self, message: int) -> None:
        self.done.tell(message)
        self.stop()


async def creation_actorkit(n: int) -> Figures:
    async with system() as actors:
        done = Done(n)
        refs = []
        with Stopwatch() as watch:
            for i in range(n):
                ref = await actors.spawn(Once, done, restart="temporary")
                ref.tell(i)
                refs.append(ref)
            total = await done
            for ref in refs:
                await ref.stop()
    check(total, n * (n - 1) // 2)
    return figures(n, watch.seconds)


async def once(queue: asyncio.Queue[int], done: Done) -> None:
    done.tell(await queue.get())


async def creation_raw(n: int) -> Figures:
    done = Done(n)
    create_task = asyncio.get_running_loop().create_task
    tasks = []
    with Stopwatch() as watch:
        for i in range(n):
            queue: asyncio.Queue[int] = asyncio.Queue()
            tasks.append(create_task(once(queue, done)))
            queue.put_nowait(i)
        total = await done
        await asyncio.gather(*tasks)
    check(total, n * (n - 1) // 2)
    return figures(n, watch.seconds)


class Compute:
    """fib(n), asked of a fresh child; the answer is told to its parent as an int."""

    __slots__ = ("n",)

    def __init__(self, n: int) -> None:
        self.n = n


class Fib(Actor):
    def __init__(self, reply_to: Any) -> None:
        self.reply_to = reply_to
        self.parts = 0
        self.total = 0

    async def receive(self, message: Any) -> None:
        if type(message) is Compute:
            n = message.n
            if n < 2:
                self.reply_to.tell(n)
                self.stop()
                return
            for k in (1, 2):
                child = await self.spawn(Fib, self.ref, restart="temporary")
                child.tell(Compute(n - k))
            return
        self.total += message
        self.parts += 1
        if self.parts == 2:
            self.reply_to.tell(self.total)
            self.stop()


class RawFib:
    """The hand-written actor: a task over a queue, ended by returning after its reply."""

    def __init__(self, reply_to: Any) -> None:
        self.reply_to = reply_to
        self.queue: asyncio.Queue[Any] = asyncio.Queue()
        self.tell = self.queue.put_nowait
        asyncio.get_running_loop().create_task(self.run())

    async def run(self) -> None:
        get = self.queue.get
        n = (await get()).n
        if n < 2:
            self.reply_to.tell(n)
            return
        for k in (1, 2):
            RawFib(self).tell(Compute(n - k))
        self.reply_to.tell(await get() + await get())


def calls(n: int) -> int:
    """Actors in the tree of fib(n): one per call of the naive recursion."""
    return 1 if n < 2 else 1 + calls(n - 1) + calls(n - 2)


def fib(n: int) -> int:
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


async def fib_actorkit(n: int) -> Figures:
    async with system() as actors:
        done = Done()
        with Stopwatch() as watch:
            root = await actors.spawn(Fib, done, restart="temporary")
            root.tell(Compute(n))
            answer = await done
    check(answer, fib(n))
    return figures(calls(n), watch.seconds)


async def fib_raw(n: int) -> Figures:
    done = Done()
    with Stopwatch() as watch:
        RawFib(done).tell(Compute(n))
        answer = await done
    check(answer, fib(n))
    return figures(calls(n), watch.seconds)


BENCHES = [
    savina(
        "savina_fork_join_creation",
        creation_actorkit,
        creation_raw,
        size=20_000,
        quick=500,
        unit="actors/s",
    ),
    savina("savina_fib", fib_actorkit, fib_raw, size=17, quick=8, unit="actors/s", messages=calls),
]
