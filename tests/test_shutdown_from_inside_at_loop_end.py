"""A shutdown called from inside an actor's handler returns at once, so nothing awaits its
closing; when the program's main task ends meanwhile, the end of `asyncio.run` cancels that
closing with every other task, maybe before its first step. The process must still close
the store (its threads, which end only as it closes) and the HTTP port."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from .processes import communicate, process

SCRIPT = """
import asyncio, socket, sys, threading
from actorkit import Actor, ActorSystem
from actorkit.persistence import SQLiteStore

class Quits(Actor):
    def __init__(self, system):
        self.owner = system

    async def receive(self, message):
        await self.owner.shutdown()

async def main(how):
    system = ActorSystem(store=SQLiteStore(sys.argv[1]))
    await system.start()
    server = await system.serve_http(port=0)
    quits = await system.spawn(Quits, system)
    if how == "tell":  # main ends before the handler runs
        quits.tell("quit")
    else:  # main ends once the handler returned
        await quits.ask("quit")
    return server.port

port = asyncio.run(main(sys.argv[2]))
probe = socket.socket()
print("port", "refused" if probe.connect_ex(("127.0.0.1", port)) else "listening")
for thread in threading.enumerate():  # a closed connection's thread ends just after
    if thread is not threading.main_thread():
        thread.join(5)
print("threads", sorted(t.name for t in threading.enumerate()))
"""


@pytest.mark.parametrize("how", ["tell", "ask"])
async def test_a_shutdown_from_a_handler_closes_everything_when_asyncio_run_ends(
    how: str, tmp_path: Path
) -> None:
    store = tmp_path / "store.db"
    async with process(sys.executable, "-c", SCRIPT, str(store), how) as proc:
        out, _ = await communicate(proc)
    lines = out.decode().splitlines()
    assert proc.returncode == 0, out.decode()
    assert "port refused" in lines, out.decode()
    assert "threads ['MainThread']" in lines, out.decode()
