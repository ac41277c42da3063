"""A command whose stdout cannot encode a character it prints (`PYTHONIOENCODING=ascii`, a
Latin-1 terminal, a Windows console) shows it escaped, `\\xe9`, as Python shows it on stderr:
an event's text or an actor's name is the user's, any character may be in it, and the
command's work is to show it; it ended in a traceback."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

from aiohttp import web

from actorkit.persistence._payload import encode
from actorkit.persistence._url import store_from_url

from .cli_support import ONE_ACTOR, endpoint
from .processes import communicate

ASCII = {**os.environ, "PYTHONIOENCODING": "ascii", "COLUMNS": "120"}


async def run_ascii(*args: str) -> tuple[int | None, str, str]:
    command = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "actorkit", *args, env=ASCII,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await communicate(command)
    return command.returncode, out.decode("ascii"), err.decode()


async def test_journal_escapes_what_its_output_cannot_encode(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'notes.db'}"
    async with store_from_url(url) as store:
        await store.append("acct", 0, [encode("café ☃")])
    async with asyncio.timeout(30):
        status, out, err = await run_ascii("journal", url, "acct")
    assert (status, err) == (0, "")
    assert out.endswith("\t'caf\\xe9 \\u2603'\n")


async def test_top_escapes_what_its_output_cannot_encode() -> None:
    actor: dict[str, Any] = ONE_ACTOR["actors"][0]  # type: ignore[index]  # a list of one
    tree = {**ONE_ACTOR, "system": "sÿs", "actors": [{**actor, "name": "é"}]}

    async def actors(request: web.Request) -> web.Response:
        return web.Response(text=json.dumps(tree), content_type="application/json")

    async def metrics(request: web.Request) -> web.Response:
        return web.Response(text="")

    async with endpoint({"/actors": actors, "/metrics": metrics}) as url:
        async with asyncio.timeout(30):
            status, out, err = await run_ascii("top", url, "--once")
    assert (status, err) == (0, "")
    assert "s\\xffs" in out
