"""`python -m actorkit journal` on a store whose file name is not UTF-8 (a byte such as
Latin-1's `\xe9`, which Python hands over as a lone surrogate): the file is there, so the
command reads it, as it reads any other."""

from __future__ import annotations

import io
import os
from pathlib import Path

from actorkit.persistence import SQLiteStore
from actorkit.persistence._journal import print_journal
from actorkit.persistence._payload import encode


async def test_a_store_whose_name_is_not_utf8_is_read(tmp_path: Path) -> None:
    path = os.path.join(tmp_path, os.fsdecode(b"caf\xe9.db"))
    async with SQLiteStore(str(tmp_path / "written.db")) as store:
        await store.append("/acct-42", 0, [encode("opened"), encode("paid")])
    os.rename(tmp_path / "written.db", path)
    out = io.StringIO()
    assert await print_journal(f"sqlite:///{path}", "/acct-42", out=out) == 0
    assert [line.split("\t")[2] for line in out.getvalue().splitlines()] == ["'opened'", "'paid'"]
    assert sorted(os.listdir(tmp_path)) == [os.path.basename(path)]  # nothing created
