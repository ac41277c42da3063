"""A TCP proxy in front of PostgreSQL that loses one answer: once armed, the connection whose
next request (or the next one holding `pattern`) goes through has the server's answer to it
thrown away and both of its ends dropped. The server got the request and acted on it, so a
write sent then commits while its client learns nothing: a commit in doubt, as when the
network fails between the server's commit and its answer."""

from __future__ import annotations

import asyncio
import contextlib


class ReplyDropper:
    def __init__(self, server_port: int) -> None:
        self.server_port = server_port
        self.port = 0
        self.pattern: bytes | None = None
        self.armed = False
        self.dropped = asyncio.Event()
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[object]] = set()

    async def __aenter__(self) -> ReplyDropper:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def dsn(self, dsn: str) -> str:
        """`dsn` of the server, through the proxy."""
        return dsn.replace(f":{self.server_port}/", f":{self.port}/")

    def arm(self, pattern: bytes | None = None) -> None:
        self.pattern, self.armed = pattern, True
        self.dropped.clear()

    def _serve(self, client_in: asyncio.StreamReader, client_out: asyncio.StreamWriter) -> None:
        task = asyncio.ensure_future(self._pipe(client_in, client_out))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _pipe(
        self, client_in: asyncio.StreamReader, client_out: asyncio.StreamWriter
    ) -> None:
        try:
            server_in, server_out = await asyncio.open_connection("127.0.0.1", self.server_port)
        except BaseException:
            client_out.close()
            raise
        marked = asyncio.Event()

        async def up() -> None:
            while data := await client_in.read(65536):
                if self.armed and (self.pattern is None or self.pattern in data):
                    self.armed = False
                    marked.set()
                server_out.write(data)
                await server_out.drain()

        async def down() -> None:
            while data := await server_in.read(65536):
                if marked.is_set():  # the answer to the marked request: lost
                    client_out.transport.abort()
                    server_out.transport.abort()
                    self.dropped.set()
                    return
                client_out.write(data)
                await client_out.drain()
            # The server ended the session (a client's Terminate answered by closing): the
            # client waits for its socket to close, as it would without the proxy between.
            client_out.close()

        try:
            with contextlib.suppress(Exception):
                await asyncio.gather(up(), down())
        finally:
            for out in (client_out, server_out):
                out.transport.abort()
                out.close()
