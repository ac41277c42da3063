"""A bounded fan-in: `SENDERS` actors, each awaiting `send` `n / SENDERS` times into one actor
whose mailbox holds `ROOM` messages, so nearly every send waits in line for room; timed until
the last message is handled.

The baseline is the hand-written equivalent: a task per sender awaiting `put` on one
`asyncio.Queue(ROOM)`, and a consumer task. Both admit waiting senders in arrival order.
Unlike `send_bounded` (one sender, a mailbox of 1,000, which mostly finds room), every message
here pays the waiting sender's path: a place granted by the consumer's pop, the sender woken,
the place taken.
"""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor, ActorRef, ActorSystem

from ._harness import Bench, Figures, Metric, Stopwatch

SENDERS = 100
ROOM = 10


class Sink(Actor):
    def __init__(self, expected: int, done: asyncio.Future[int]) -> None:
        self.count = 0
        self.expected = expected
        self.done = done

    async def receive(self, message: int) -> None:
        self.count += 1
        if self.count == self.expected:
            self.done.set_result(self.count)


class Sender(Actor):
    def __init__(self, sink: ActorRef, each: int) -> None:
        self.sink = sink
        self.each = each

    async def receive(self, message: Any) -> None:
        send = self.sink.send
        for i in range(self.each):
            await send(i)


async def fan_in_actorkit(n: int) -> Figures:
    each = n // SENDERS
    async with ActorSystem("bench") as system:
        done: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        sink = await system.spawn(Sink, each * SENDERS, done, mailbox_size=ROOM)
        senders = [await system.spawn(Sender, sink, each) for _ in range(SENDERS)]
        with Stopwatch() as watch:
            for sender in senders:
                sender.tell("go")
            handled = await done
    assert handled == each * SENDERS
    return {"rate": handled / watch.seconds}


async def fan_in_raw(n: int) -> Figures:
    each = n // SENDERS
    expected = each * SENDERS
    queue: asyncio.Queue[int] = asyncio.Queue(ROOM)
    done: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    async def consume() -> None:
        count = 0
        get = queue.get
        while count < expected:
            await get()
            count += 1
        done.set_result(count)

    async def send() -> None:
        put = queue.put
        for i in range(each):
            await put(i)

    with Stopwatch() as watch:
        tasks = [asyncio.create_task(consume())]
        tasks += [asyncio.create_task(send()) for _ in range(SENDERS)]
        handled = await done
    await asyncio.gather(*tasks)
    assert handled == expected
    return {"rate": handled / watch.seconds}


BENCHES = [
    Bench(
        "fan_in",
        fan_in_actorkit,
        fan_in_raw,
        (Metric("rate", "msgs/s"),),
        size=50_000,
        quick_size=5_000,
    ),
]
