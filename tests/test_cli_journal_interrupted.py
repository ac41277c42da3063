"""`journal` stopped by Ctrl-C while it waits for its store: one line and status 130, as a
command line stopped by SIGINT ends, never a traceback."""

from __future__ import annotations

import asyncio
import signal

import pytest

from .cli_support import JOURNAL_ERROR, signalled

pytest.importorskip("asyncpg")


async def test_ctrl_c_while_journal_waits_for_a_silent_postgresql_is_one_line() -> None:
    """A PostgreSQL that accepts and never answers holds the open for the store's 30 s."""
    accepted, done = asyncio.Event(), asyncio.Event()

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.set()
        await done.wait()
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        store = f"postgresql://u:p@127.0.0.1:{port}/db"
        status, out, err = await signalled(["journal", store, "/alice"], accepted, signal.SIGINT)
    finally:
        done.set()
        server.close()
    assert (status, out) == (130, b""), err.decode()
    assert err.decode() == f"{JOURNAL_ERROR}interrupted\n"
