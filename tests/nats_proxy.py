"""A proxy between NATS clients and a real nats-server that passes on what a client writes
one protocol line at a time, through a test's own `Forward`: to have the server read a
client's commands at a chosen moment, or a client read what the server sends only by chance
(its first PING, say), every time."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from .nats_support import NatsServer

PING = b"PING\r\n"

Forward = Callable[[int, bytes, asyncio.StreamWriter, asyncio.StreamWriter], None]
"""Given the connection's number (from 1, in the order they were made), one line its client
wrote (a PUB's payload comes as lines of its own), and the writers towards the server and the
client: writes what goes where."""


def passed(_: int, line: bytes, to_server: asyncio.StreamWriter, __: object) -> None:
    to_server.write(line)


class Cut:
    """A `Forward` that cuts one connection of a client on demand, found by the name its
    CONNECT gave (nats-py's `name=`), and holds every reconnection under that name until
    `mend`: that connection stays down for as long as the test wants, and only it."""

    def __init__(self) -> None:
        self._names: dict[int, str] = {}
        self._to_client: dict[int, asyncio.StreamWriter] = {}
        self._held: dict[int, tuple[asyncio.StreamWriter, list[bytes]]] = {}
        self._cut: str | None = None

    def __call__(
        self, n: int, line: bytes, to_server: asyncio.StreamWriter, to_client: asyncio.StreamWriter
    ) -> None:
        if n not in self._names and line.startswith(b"CONNECT "):
            self._names[n] = json.loads(line[len(b"CONNECT ") :])["name"]
            self._to_client[n] = to_client
            if self._names[n] == self._cut:
                self._held[n] = (to_server, [])
        if n in self._held:
            self._held[n][1].append(line)
        else:
            to_server.write(line)

    def cut(self, name: str) -> None:
        """Drop the connection named `name` (the client sees it end), and hold its
        reconnections."""
        n = max(n for n, named in self._names.items() if named == name)  # the latest
        self._cut = name
        self._to_client[n].transport.abort()

    def mend(self) -> None:
        """Pass on what the reconnections held wrote, and all that follows."""
        self._cut = None
        held, self._held = self._held, {}
        for to_server, lines in held.values():
            if not to_server.is_closing():
                to_server.writelines(lines)


async def _down(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    finally:  # the client gone (reset), or the server: the other side ends too
        writer.close()


async def _up(
    n: int,
    forward: Forward,
    reader: asyncio.StreamReader,
    to_server: asyncio.StreamWriter,
    to_client: asyncio.StreamWriter,
) -> None:
    try:
        while line := await reader.readline():
            forward(n, line, to_server, to_client)
            await to_server.drain()
    finally:
        to_server.close()


@asynccontextmanager
async def proxy(server: NatsServer, forward: Forward = passed) -> AsyncIterator[str]:
    """The proxy's URL, while it listens. Its connections end as their clients close them:
    close every client before leaving the block."""
    numbers = itertools.count(1)
    tasks: set[asyncio.Task[object]] = set()

    async def accepted(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        n = next(numbers)
        tasks.add(asyncio.current_task())  # type: ignore[arg-type]
        server_r, server_w = await asyncio.open_connection("127.0.0.1", server.port)
        ends = await asyncio.gather(
            _down(server_r, client_w),
            _up(n, forward, client_r, server_w, client_w),
            client_w.wait_closed(),
            server_w.wait_closed(),
            return_exceptions=True,  # a reset as either side closes is no failure of the test
        )
        assert not [end for end in ends if not isinstance(end, OSError | None)], ends

    listening = await asyncio.start_server(accepted, "127.0.0.1", 0)
    try:
        yield f"nats://127.0.0.1:{listening.sockets[0].getsockname()[1]}"
    finally:
        listening.close()
        if tasks:
            await asyncio.wait(tasks)
        for task in tasks:
            task.result()  # a pump's unexpected error fails the test
