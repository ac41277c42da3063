"""API.md §4: pub-sub, pools, dead letters."""

from __future__ import annotations

from dataclasses import dataclass

import actorkit
from actorkit import (
    DEAD_LETTER_TOPIC,
    Actor,
    ActorRef,
    ActorSystem,
    DeadLetter,
    DeadLetters,
    PoolRef,
    Ref,
)


@dataclass(frozen=True)
class Order:
    customer: str
    amount: int


class Audit(Actor):
    async def on_start(self) -> None:
        self.subscribe("orders.*.created")
        self.subscribe(DEAD_LETTER_TOPIC)

    async def receive(self, message: object) -> object:
        if isinstance(message, DeadLetter):
            what: object = message.message
            recipient: str | None = message.recipient
            reason: str = message.reason
            time: float = message.time
            return (what, recipient, reason, time)
        return message


class Worker(Actor):
    def __init__(self, prefix: str, *, scale: int = 1) -> None:
        self.prefix = prefix
        self.scale = scale

    async def receive(self, message: object) -> object:
        if isinstance(message, Order):
            return f"{self.prefix}{self.name}:{message.amount * self.scale}"
        return None


def by_customer(message: object) -> object:
    return message.customer if isinstance(message, Order) else message


def str_key(message: Order) -> str:
    return message.customer


async def main() -> None:
    async with ActorSystem("shop") as system:
        audit = await system.spawn(Audit, name="audit")
        system.subscribe(audit, "orders.>")
        reached: int = system.publish("orders.eu.created", Order("ann", 3))
        system.unsubscribe(audit, "orders.>")
        system.unsubscribe(audit)
        print(reached)

        pool = await system.spawn_pool(
            Worker, "w-", size=4, routing="round_robin", name="workers", scale=2
        )
        job = Order("bob", 1)
        pool.tell(job)
        await pool.send(job)
        answer: object = await pool.ask(job, timeout=1.0)
        await pool.resize(8)
        await pool.resize(2, timeout=10.0)
        members: list[ActorRef] = pool.members
        size: int = pool.size
        routing: str = pool.routing
        print(answer, members, size, routing)

        keyed: PoolRef = await system.spawn_pool(
            Worker,
            "k-",
            size=3,
            routing="consistent_hash",
            hash_key=by_customer,
            mailbox_size=100,
            restart="permanent",
            capabilities=("work",),
        )
        await system.spawn_pool(Worker, "s-", routing="consistent_hash", hash_key=str_key)
        await system.spawn_pool(Worker, "l-", routing="least_loaded")
        await system.spawn_pool(Worker, "b-", routing="broadcast", size=2)
        await system.spawn_pool(Worker, "r-", routing="random", size=1)
        await system.spawn_pool(Worker, "q-", hash_key=lambda m: str(m), routing="consistent_hash")
        as_ref: ActorRef = keyed
        as_any: Ref = keyed
        system.subscribe(keyed, "orders.>")
        print(as_ref, as_any)

        letters: DeadLetters = system.dead_letters
        total: int = letters.count
        by_reason: dict[str, int] = letters.by_reason
        recent: list[DeadLetter] = letters.recent
        print(total, by_reason, recent[-10:])


if __name__ == "__main__":
    actorkit.run(main())
