"""A durable actor exposed over NATS from its own process, driven by the tests over
stdin/stdout: `python -m tests.persistence.durable_node NATS_URL NAME STORE_URL` prints
`{"ready": NAME}`, then answers each JSON command line with one JSON line:
- `spawn` (`mailbox_size`): spawns and exposes `Tally` at `/tally`, persistence id `tally`;
- `hold` (`call`): the store's next `append` (or `load_recovery`) waits until `release`;
  `held` waits until one does;
- `stop` (`wait`): stops `/tally`, or only begins to; `stopped` waits until it has;
- `crash`: fails it once (its restart's recovery reads the store);
- `state`: `Tally`'s state, asked locally; `dead`: dead letters by reason.
The test process plays the other system, with `Tally` from here on the same store."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import sys
from collections.abc import Sequence
from typing import Any

import actorkit
from actorkit import ActorRef, ActorSystem, OneForOne
from actorkit.nats import NatsTransport
from actorkit.persistence import EventSourced, StoredRecovery
from actorkit.persistence._sql_store import SQLStore
from actorkit.persistence._url import store_from_url

PERSISTENCE_ID = "tally"


@actorkit.message("tally.Add")
@dataclasses.dataclass(frozen=True)
class Add:
    """A command with the client's own id: what makes a retry recognisable."""

    id: int


@actorkit.message("tally.Added")
@dataclasses.dataclass(frozen=True)
class Added:
    id: int


@actorkit.message("tally.Remind")
@dataclasses.dataclass(frozen=True)
class Remind:
    delay: float


class Tally(EventSourced):
    """Applies every `Added`, duplicates included, so a double write shows; `Add` is
    idempotent (a known id persists nothing), as a handler behind a network must be."""

    def __init__(self) -> None:
        self.ids: list[int] = []
        self.reminded = 0

    def apply(self, event: Any) -> None:
        self.ids.append(event.id)

    async def receive(self, message: Any) -> Any:
        if isinstance(message, Add) and message.id not in self.ids:
            await self.persist(Added(message.id))
        elif isinstance(message, Remind):
            await self.reminders.start("ping", "ping", delay=message.delay)
        elif message == "ping":
            self.reminded += 1
        elif message == "crash":
            raise RuntimeError("crash on request")
        return {"ids": self.ids, "reminded": self.reminded}


class Gate:
    """Holds a store's next call of one kind (`append`, or `load_recovery`: a recovery)
    until released."""

    def __init__(self) -> None:
        self.armed: str | None = None
        self.held = asyncio.Event()
        self.released = asyncio.Event()

    def arm(self, call: str) -> None:
        self.armed = call
        self.held.clear()
        self.released.clear()

    async def pass_through(self, call: str) -> None:
        if self.armed == call:
            self.armed = None
            self.held.set()
            await self.released.wait()


def gated(store: SQLStore[Any], gate: Gate) -> SQLStore[Any]:
    append, load_recovery = store.append, store.load_recovery

    async def held_append(
        persistence_id: str, expected_seq: int, payloads: Sequence[bytes]
    ) -> float:
        await gate.pass_through("append")
        return await append(persistence_id, expected_seq, payloads)

    async def held_load(persistence_id: str, journal: bool) -> StoredRecovery:
        await gate.pass_through("load_recovery")
        return await load_recovery(persistence_id, journal)

    store.append = held_append  # type: ignore[method-assign]
    store.load_recovery = held_load  # type: ignore[method-assign]
    return store


async def serve(url: str, name: str, store_url: str) -> None:
    gate = Gate()
    store = gated(store_from_url(store_url), gate)
    transport = NatsTransport(url, reconnect_time_wait=0.05)
    supervisor = OneForOne(max_restarts=100, within=60.0)
    async with ActorSystem(name, transport=transport, store=store, supervisor=supervisor) as system:
        await transport.flush()
        print(json.dumps({"ready": name}), flush=True)
        reader = asyncio.StreamReader()
        loop = asyncio.get_running_loop()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        tally: ActorRef | None = None
        stopping: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        while line := await reader.readline():
            command = json.loads(line)
            cmd = command["cmd"]
            answer: Any = None
            if cmd == "spawn":
                size = command.get("mailbox_size", 1000)
                tally = await system.spawn(
                    Tally, name="tally", persistence_id=PERSISTENCE_ID, mailbox_size=size
                )
                system.expose(tally)
                await transport.flush()
            elif cmd == "hold":
                gate.arm(command.get("call", "append"))
            elif cmd == "held":
                await gate.held.wait()
            elif cmd == "release":
                gate.released.set()
            elif cmd == "stop" and tally is not None:
                stopping = asyncio.ensure_future(tally.stop())
                if command.get("wait", True):
                    await stopping
            elif cmd == "stopped":
                await stopping
            elif cmd == "crash" and tally is not None:
                tally.tell("crash")
            elif cmd == "state" and tally is not None:
                answer = await tally.ask("state", timeout=10.0)
            elif cmd == "dead":
                answer = dict(system.dead_letters.by_reason)
            print(json.dumps({"ok": answer}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("name")
    parser.add_argument("store")
    args = parser.parse_args()
    actorkit.run(serve(args.url, args.name, args.store))


if __name__ == "__main__":
    main()
