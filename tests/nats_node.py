"""One actor system on NATS, in its own process, driven by the tests over stdin/stdout.

`python -m tests.nats_node URL NAME [--max-buffered N]` prints `{"ready": NAME}` once it can be
reached, then answers each JSON command line with one JSON line. Its actors:
- `/counter` (exposed): counts `Add` messages; `"get"` returns `{"count", "total"}`;
- `/listener`: subscribes `events.>`; the `expect` command waits until it got that many;
- `/workers` (a pool of 2, exposed in the queue group `work`): answers a `Job` with the
  system's name and counts the jobs it served.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import sys
from typing import Any

import actorkit
from actorkit import Actor, ActorSystem
from actorkit.nats import NatsTransport
from actorkit.testing import instance


@actorkit.message
@dataclasses.dataclass(frozen=True)
class Add:
    n: int


@actorkit.message
@dataclasses.dataclass(frozen=True)
class Job:
    id: int


class Counter(Actor):
    def __init__(self) -> None:
        self.count = 0
        self.total = 0

    async def receive(self, message: Any) -> Any:
        if isinstance(message, Add):
            self.count += 1
            self.total += message.n
            return None
        if message == "get":
            return {"count": self.count, "total": self.total}
        raise ValueError(f"counter cannot handle {message!r}")


class Listener(Actor):
    def __init__(self) -> None:
        self.received = 0
        self.target = 0
        self.reached = asyncio.Event()

    async def on_start(self) -> None:
        self.subscribe("events.>")

    async def receive(self, message: Any) -> None:
        self.received += 1
        if self.target and self.received >= self.target:
            self.reached.set()


class Worker(Actor):
    served = 0

    async def receive(self, message: Any) -> Any:
        if isinstance(message, Job):
            Worker.served += 1
            return self.system.name
        return None


async def serve(url: str, name: str, max_buffered: int) -> None:
    transport = NatsTransport(url, max_buffered=max_buffered, reconnect_time_wait=0.05)
    async with ActorSystem(name, transport=transport) as system:
        system.expose(await system.spawn(Counter, name="counter"))
        listener_ref = await system.spawn(Listener, name="listener")
        listener = instance(listener_ref)
        assert isinstance(listener, Listener)
        system.expose(await system.spawn_pool(Worker, size=2, name="workers"), group="work")
        await transport.flush()
        print(json.dumps({"ready": name}), flush=True)
        reader = asyncio.StreamReader()
        loop = asyncio.get_running_loop()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        while line := await reader.readline():
            command = json.loads(line)
            answer = await run(system, transport, listener, command)
            print(json.dumps(answer), flush=True)


async def run(
    system: ActorSystem, transport: NatsTransport, listener: Listener, command: dict[str, Any]
) -> dict[str, Any]:
    cmd = command["cmd"]
    if cmd == "tell":
        ref = system.remote(command["system"], command.get("path", "/counter"))
        told = refused = 0
        for _ in range(command["n"]):
            try:
                ref.tell(Add(1))
                told += 1
            except actorkit.MailboxFull:
                refused += 1
        return {"told": told, "refused": refused}
    if cmd == "ask":
        ref = system.remote(command["system"], command.get("path", "/counter"))
        try:
            return {"result": await ref.ask(command.get("msg", "get"), timeout=command["timeout"])}
        except Exception as error:
            stopped = isinstance(error, actorkit.ActorStopped)
            return {"error": type(error).__name__, "stopped": stopped, "text": str(error)}
    if cmd == "publish":
        local = sum(system.publish(command["topic"], {"i": i}) for i in range(command["n"]))
        return {"local": local}
    if cmd == "expect":
        listener.target = command["count"]
        listener.reached.clear()
        if listener.received < listener.target:
            await listener.reached.wait()
        return {"received": listener.received}
    if cmd == "group":
        group = system.remote_group("work")
        by: dict[str, int] = {}
        for i in range(command["n"]):
            served_by = await group.ask(Job(i), timeout=5.0)
            by[served_by] = by.get(served_by, 0) + 1
        return {"by": by}
    if cmd == "group_tell":
        group = system.remote_group("work")
        for i in range(command["n"]):
            group.tell(Job(i))
        await transport.flush()
        return {"told": command["n"]}
    if cmd == "served":
        return {"served": Worker.served}
    if cmd == "wait":
        await (transport.link_up if command["link"] == "up" else transport.link_down).wait()
        return {"link": command["link"]}
    if cmd == "health":
        return transport.health()
    raise ValueError(f"unknown command {cmd!r}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("name")
    parser.add_argument("--max-buffered", type=int, default=10_000)
    args = parser.parse_args()
    actorkit.run(serve(args.url, args.name, args.max_buffered))


if __name__ == "__main__":
    main()
