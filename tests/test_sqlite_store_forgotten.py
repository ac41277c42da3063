"""A system with a SQLite store that is never shut down (no `async with`, no `shutdown()`):
the process still exits once `asyncio.run` returns, and what was saved before is in the file.
aiosqlite's threads, which wait for their connection's next call until it closes, were no
daemons, and the interpreter waited for them at exit for ever."""

from __future__ import annotations

import sqlite3
import sys
from contextlib import closing
from pathlib import Path

from .processes import communicate, process

SCRIPT = """
import asyncio, sys
from actorkit import ActorSystem
from actorkit.persistence import DurableState, SQLiteStore

class Profile(DurableState):
    async def receive(self, message):
        await self.save({"name": message})
        return self.state

async def main():
    system = ActorSystem("forgotten", store=SQLiteStore(sys.argv[1]))
    await system.start()
    profile = await system.spawn(Profile, persistence_id="profile-1")
    print("saved", await profile.ask("ada"), flush=True)

asyncio.run(main())
print("returned", flush=True)
"""


async def test_a_system_never_shut_down_lets_the_process_exit_and_keeps_what_it_saved(
    tmp_path: Path,
) -> None:
    store = tmp_path / "store.db"
    async with process(sys.executable, "-c", SCRIPT, str(store)) as proc:
        out, _ = await communicate(proc)  # fails past its bound: the process did not exit
    text = out.decode()
    assert proc.returncode == 0, text
    assert text.splitlines()[-2:] == ["saved {'name': 'ada'}", "returned"], text
    with closing(sqlite3.connect(f"file:{store}?mode=ro", uri=True)) as db:
        rows = db.execute("SELECT persistence_id, revision FROM actorkit_states").fetchall()
    assert rows == [("profile-1", 1)]
