"""A real nats-server for the tests, and actor-system nodes in their own OS processes.

Nothing here sleeps to wait: the server is ready when it logs "Server is ready", a node when
it prints its `ready` line, and every command to a node answers with one JSON line.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import ssl
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict

import msgspec
import nats.errors
import pytest
import trustme
from nats.aio.client import Client

from actorkit import Actor, ActorSystem, testing
from actorkit._nats._round_trip import round_trip
from actorkit.nats import NatsTransport

from .processes import HeldPort, end

NATS_SERVER = shutil.which("nats-server") or (
    "/usr/sbin/nats-server" if os.path.exists("/usr/sbin/nats-server") else None
)
requires_nats = pytest.mark.skipif(
    NATS_SERVER is None and not os.environ.get("CI"),
    reason="nats-server is not installed (CI installs Debian's nats-server package)",
)
ROOT = Path(__file__).resolve().parent.parent
SAFETY = 20.0
"""Seconds any single wait may take before the test fails instead of hanging."""


class Credentials(TypedDict, total=False):
    """The credential keywords of `NatsTransport`, as tests hand them over in a dict."""

    token: str
    user: str
    password: str


class NatsServer:
    """One nats-server process on a loopback port held while the object lives: `restart()`,
    or `stop()` then `start()`, finds the port still free."""

    def __init__(self, *args: str) -> None:
        assert NATS_SERVER is not None, "CI must install nats-server (see .ci/run)"
        self._port = HeldPort(shared=True)
        self.port = self._port.port
        self.args = args
        self.url = f"nats://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> None:
        assert NATS_SERVER is not None
        process = subprocess.Popen(
            [NATS_SERVER, "-a", "127.0.0.1", "-p", str(self.port), *self.args],
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
        )
        assert process.stderr is not None
        log: list[str] = []
        timer = threading.Timer(SAFETY, process.kill)  # a server that never gets ready
        timer.start()
        try:
            for line in process.stderr:
                log.append(line)
                if "Server is ready" in line:
                    break
            else:
                raise RuntimeError("nats-server did not start:\n" + "".join(log))
        finally:
            timer.cancel()
        # Keep draining its log so the pipe never fills and blocks the server.
        self.drain = threading.Thread(target=process.stderr.read, daemon=True)
        self.drain.start()
        self.process = process

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process is not None:
            self.drain.join()
            assert process.stderr is not None
            process.stderr.close()

    def restart(self) -> None:
        self.stop()
        self.start()

    def configure(self, config: Path, text: str) -> None:
        """Write `text` to the file `config`, which the next `start` runs the server with."""
        config.write_text(text)
        self.args = ("-c", str(config))


class Node:
    """An actor system in a subprocess (tests/nats_node.py), driven by JSON lines."""

    def __init__(self, process: asyncio.subprocess.Process, name: str) -> None:
        self.process = process
        self.name = name

    async def line(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        async with asyncio.timeout(SAFETY):
            raw = await self.process.stdout.readline()
        if not raw:
            await self.process.wait()
            raise AssertionError(f"node {self.name} exited ({self.process.returncode})")
        answer: dict[str, Any] = json.loads(raw)
        return answer

    async def do(self, cmd: str, **args: Any) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write((json.dumps({"cmd": cmd, **args}) + "\n").encode())
        await self.process.stdin.drain()
        return await self.line()


@asynccontextmanager
async def node(url: str, name: str, *options: str) -> AsyncIterator[Node]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.nats_node",
        url,
        name,
        *options,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        cwd=ROOT,
    )
    running = Node(process, name)
    try:
        ready = await running.line()
        assert ready == {"ready": name}, ready
        yield running
    finally:
        await end(process)


async def settled(client: Client) -> None:
    """Return once the server has processed every command `client` wrote, its SUBs included,
    so that a publish from another connection finds them. Not nats-py's `flush`: it writes its
    PING ahead of what its flusher task has yet to write, and the server can answer it before
    it reads a SUB sent just before (a publish from elsewhere then reaches nobody, silently;
    about 1 in 40 tries on this machine). The second PING of `round_trip` follows them."""
    await round_trip(client, SAFETY)


def with_users(tmp_path: Path, users: list[str]) -> Iterator[NatsServer]:
    """A nats-server of the test's own whose accounts are `users` (entries of nats-server's
    `authorization { users = [...] }`), for a fixture to yield from."""
    server = NatsServer()
    server.configure(tmp_path / "users.conf", f"authorization {{ users = [{', '.join(users)}] }}")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def transport(server: NatsServer, **options: Any) -> NatsTransport:
    """A transport that reconnects quickly, for tests that stop and start the server."""
    return NatsTransport(server.url, reconnect_time_wait=0.05, **options)


def link_of(system: ActorSystem) -> NatsTransport:
    link = testing.transport(system)
    assert isinstance(link, NatsTransport)
    return link


class Gate(Actor):
    """Answers once `release` is set: a remote actor that holds a request still."""

    def __init__(self, arrived: asyncio.Event, release: asyncio.Event) -> None:
        self.arrived = arrived
        self.release = release

    async def receive(self, message: Any) -> Any:
        self.arrived.set()
        await self.release.wait()
        return message


async def shut_down_frozen(server: NatsServer, system: ActorSystem) -> None:
    """Freeze `server` (SIGSTOP: the caller sends SIGCONT), queue far more than the socket
    buffers hold for it, and shut `system` down within SAFETY: a close that waits for the
    frozen server to drain the socket fails the test instead of hanging."""
    assert server.process is not None
    os.kill(server.process.pid, signal.SIGSTOP)
    nobody = system.remote("nobody", "/x")
    for _ in range(80):  # 40 MB
        nobody.tell(b"x" * 500_000)
    async with asyncio.timeout(SAFETY):
        await system.shutdown()


class Keeper(Actor):
    """Keeps what it is told and answers each message with how many it has kept; "got"
    with the list of them."""

    def __init__(self) -> None:
        self.got: list[Any] = []

    async def receive(self, message: Any) -> Any:
        if message == "got":
            return self.got
        self.got.append(message)
        return len(self.got)


@contextmanager
def refused_subscriptions(link: NatsTransport, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Inside the block the link's connection refuses every `subscribe`, as a draining or
    closed one does."""
    nc = link._link.connection  # noqa: SLF001
    subscribe = nc.subscribe

    async def refused(*args: Any, **kwargs: Any) -> Any:
        raise nats.errors.ConnectionDrainingError

    monkeypatch.setattr(nc, "subscribe", refused)
    try:
        yield
    finally:
        monkeypatch.setattr(nc, "subscribe", subscribe)


async def topic_barrier(system: ActorSystem) -> testing.Probe:
    """A probe on topic `barrier`. Every topic of a system shares one subscription, so once a
    raw peer's `barrier_passed` returns, what that peer published on topics before it has
    been handled."""
    barrier = await testing.Probe.spawn(system)
    system.subscribe(barrier.ref, "barrier")
    return barrier


async def barrier_passed(client: Client, barrier: testing.Probe) -> None:
    await client.publish("actorkit.topic.barrier", msgspec.msgpack.encode(["done"]))
    await barrier.expect("done")


@dataclass(frozen=True)
class Certified:
    """A server certificate and key for `host`, written under a test's directory, issued by a
    throwaway CA that `trusting()` clients trust."""

    ca: trustme.CA
    cert: Path
    key: Path

    def trusting(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        self.ca.configure_trust(context)
        return context


def server_certificate(tmp_path: Path, host: str = "127.0.0.1") -> Certified:
    ca = trustme.CA()
    issued = ca.issue_cert(host)
    cert, key = tmp_path / "server.pem", tmp_path / "server.key"
    issued.cert_chain_pems[0].write_to_path(str(cert))
    issued.private_key_pem.write_to_path(str(key))
    return Certified(ca, cert, key)
