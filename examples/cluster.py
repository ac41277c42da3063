"""Two systems over NATS: a warehouse exposes its stock and a pool of packers, a shop asks
the stock remotely, shares the packing with the warehouse through a queue group, and
publishes orders that the warehouse's auditor receives and confirms to the shop by path.

Start a server, then run it: `nats-server -a 127.0.0.1 -p 4222` and
`python examples/cluster.py nats://127.0.0.1:4222`. Both systems run in this one process
to keep the example short; each `async with` block is what one process of a real deployment
runs, unchanged (docs/distributed.md).
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass
from typing import Any

import actorkit
from actorkit import Actor, ActorSystem, OneForOne
from actorkit.nats import NatsTransport


# What crosses NATS is plain data or a registered class, in every process that uses it.
@actorkit.message("shop.Reserve")
@dataclass(frozen=True)
class Reserve:
    sku: str
    count: int


@actorkit.message("shop.Pack")
@dataclass(frozen=True)
class Pack:
    order: int


class Stock(Actor):
    def __init__(self) -> None:
        self.items = {"apple": 10}

    async def receive(self, message: Any) -> Any:
        if isinstance(message, Reserve):
            left = self.items.get(message.sku, 0) - message.count
            if left < 0:
                raise ValueError(f"not enough {message.sku}")  # the remote asker gets it
            self.items[message.sku] = left
            return left
        return dict(self.items)


class Packer(Actor):
    async def receive(self, message: Any) -> Any:
        return self.system.name  # which system packed it


class Auditor(Actor):
    async def on_start(self) -> None:
        self.subscribe("orders.>")  # publishes from every system on NATS

    async def receive(self, message: Any) -> Any:
        # A ref cannot cross NATS: the order names its reply-to by system name and path.
        system_name, path = message["reply_to"]
        self.system.remote(system_name, path).tell(("audited", message["id"]))


class Receipts(Actor):
    def __init__(self, audited: asyncio.Future[int]) -> None:
        self.audited = audited

    async def receive(self, message: Any) -> Any:
        _, order = message
        self.audited.set_result(order)


async def main(url: str = "nats://127.0.0.1:4222") -> dict[str, Any]:
    warehouse_link = NatsTransport([url])
    shop_link = NatsTransport([url])
    # A refused reservation is the asker's problem: keep the stock (resume), do not restart it.
    keep = OneForOne(decider={ValueError: "resume"})
    async with ActorSystem("warehouse", transport=warehouse_link, supervisor=keep) as warehouse:
        warehouse.expose(await warehouse.spawn(Stock, name="stock"))
        warehouse.expose(await warehouse.spawn(Auditor, name="auditor"))
        packers = await warehouse.spawn_pool(Packer, size=2, name="packers")
        warehouse.expose(packers, group="packers")
        await warehouse_link.flush()  # the queue group is joined in the background

        async with ActorSystem("shop", transport=shop_link) as shop:
            own_packers = await shop.spawn_pool(Packer, size=2, name="packers")
            shop.expose(own_packers, group="packers")
            await shop_link.flush()

            stock = shop.remote("warehouse", "/stock")  # an ActorRef: tell, send, ask
            left = await stock.ask(Reserve("apple", 3), timeout=2.0)
            print("apples left:", left)
            try:
                await stock.ask(Reserve("apple", 100), timeout=2.0)
            except ValueError as error:  # rebuilt from the warehouse's failure
                print("refused:", error, error.__notes__)
            left = await stock.ask("items", timeout=2.0)
            print("still in stock:", left)

            group = shop.remote_group("packers")  # each ask goes to one member, any system
            packed_by = {await group.ask(Pack(order), timeout=2.0) for order in range(20)}
            print("packed by:", sorted(packed_by))

            audited: asyncio.Future[int] = asyncio.get_running_loop().create_future()
            shop.expose(await shop.spawn(Receipts, audited, name="receipts"))
            order = {"id": 7, "reply_to": ["shop", "/receipts"]}
            shop.publish("orders.eu.created", order)  # 0: no subscriber in this system
            confirmed = await asyncio.wait_for(audited, timeout=2.0)
            print("warehouse audited order", confirmed)
    return {"left": left, "packed_by": sorted(packed_by), "audited": confirmed}


if __name__ == "__main__":
    actorkit.run(main(*sys.argv[1:]))
