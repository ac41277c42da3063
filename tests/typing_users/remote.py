"""API.md §10 and docs/distributed.md: NATS transport, exposed actors, remote refs."""

from __future__ import annotations

import asyncio
import signal
import ssl
from dataclasses import dataclass
from pathlib import Path

import actorkit
from actorkit import Actor, ActorRef, ActorStopped, ActorSystem, NotDelivered, Ref
from actorkit.nats import IncompatibleMessage, NatsTransport, RemoteError, RemoteRef
from actorkit.testing import transport


@actorkit.message
@dataclass(frozen=True)
class Reserve:
    sku: str
    count: int


class Stock(Actor):
    async def receive(self, message: object) -> object:
        if isinstance(message, Reserve):
            return message.count
        return None


class Packer(Actor):
    async def receive(self, message: object) -> object:
        return message


async def warehouse() -> None:
    async with ActorSystem(
        "warehouse", transport=NatsTransport(["nats://10.0.0.5:4222"])
    ) as system:
        stock = await system.spawn(Stock, name="stock")
        system.expose(stock)
        pool = await system.spawn_pool(Packer, size=4, name="packers")
        system.expose(pool, group="packers")
        given = transport(system)
        if isinstance(given, NatsTransport):
            await given.flush()


async def shop() -> None:
    async with ActorSystem("shop", transport=NatsTransport("nats://10.0.0.5:4222")) as system:
        stock = system.remote("warehouse", "/stock")
        reserved: object = await stock.ask(Reserve("apple", 2), timeout=2.0)
        print(reserved)
        packers: ActorRef = system.remote_group("packers")
        packers.tell(Reserve("pear", 1))
        await packers.send(Reserve("plum", 1))
        reached: int = system.publish("orders.eu.created", {"id": 7})
        print(reached)
        if isinstance(stock, RemoteRef):
            handle: Ref = stock
            print(handle.path, handle.name, handle.is_alive)
        try:
            await stock.ask(Reserve("x", 1))
        except IncompatibleMessage as refused:
            print(refused.type_name, refused.field)
        except RemoteError as remote:
            print(remote.type_name, remote.message)
        except NotDelivered:
            pass
        except ActorStopped:
            pass


def secured(servers: list[str]) -> list[NatsTransport]:
    return [
        NatsTransport(
            ["tls://nats.internal:4222"],
            tls=ssl.create_default_context(cafile="ca.pem"),
            creds="/etc/actorkit/app.creds",
        ),
        NatsTransport(servers, creds=Path("/etc/actorkit/app.creds")),
        NatsTransport(servers, token="..."),
        NatsTransport(servers, user="app", password="..."),
        NatsTransport(servers, nkeys_seed="app.nk"),
        NatsTransport(
            ("nats://nats-1:4222", "nats://nats-2:4222"),
            prefix="shop",
            max_buffered=1000,
            buffer_timeout=10.0,
            send_timeout=5.0,
            connect_timeout=2.0,
            tls_hostname="nats.internal",
        ),
    ]


async def main() -> None:
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with ActorSystem("orders-1", transport=NatsTransport(["nats://a:4222"])) as system:
        system.expose(await system.spawn(Stock, name="stock"))
        await stop.wait()


if __name__ == "__main__":
    actorkit.run(main())
