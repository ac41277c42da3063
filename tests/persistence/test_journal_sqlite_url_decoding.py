"""`python -m actorkit journal sqlite:///PATH`: the path is percent-decoded, as a URL's path is
(RFC 3986) and as SQLAlchemy 2.1 decodes a URL's database part, so the command reads the file
`SQLiteStore(path)` wrote for any file name: one with `%`, `?` or `#` in it is written `%25`,
`%3F` or `%23`. The path was taken as written: `sqlite:///my%20shop.db` looked for a file
named `my%20shop.db`, and a name with `?` or `#` could not be given at all."""

from __future__ import annotations

import io
import os
from pathlib import Path
from urllib.parse import quote

import pytest

from actorkit.persistence import SQLiteStore
from actorkit.persistence._journal import print_journal
from actorkit.persistence._payload import encode
from tests.cli_support import JOURNAL_ERROR


async def written(path: str) -> None:
    async with SQLiteStore(path) as store:
        await store.append("/acct-42", 0, [encode("opened"), encode("paid")])


async def events(url: str) -> list[str]:
    out = io.StringIO()
    assert await print_journal(url, "/acct-42", out=out) == 0
    return [line.split("\t")[2] for line in out.getvalue().splitlines()]


@pytest.mark.parametrize("name", ["my shop.db", "50% off.db", "why?.db", "#1.db", "a+b.db"])
async def test_a_percent_encoded_path_names_the_file_the_store_wrote(
    tmp_path: Path, name: str
) -> None:
    path = str(tmp_path / name)
    await written(path)
    assert await events(f"sqlite:///{quote(path)}") == ["'opened'", "'paid'"]
    assert sorted(os.listdir(tmp_path)) == [name]  # nothing else created


async def test_a_space_or_a_plus_written_as_it_is_is_taken_as_it_is(tmp_path: Path) -> None:
    path = str(tmp_path / "my shop+1.db")
    await written(path)
    assert await events(f"sqlite:///{path}") == ["'opened'", "'paid'"]


async def test_an_encoded_byte_that_is_not_utf8_names_the_file_with_that_byte(
    tmp_path: Path,
) -> None:
    path = os.path.join(tmp_path, os.fsdecode(b"caf\xe9.db"))
    await written(path)
    assert await events(f"sqlite:///{tmp_path}/caf%E9.db") == ["'opened'", "'paid'"]


@pytest.mark.parametrize("url", ["sqlite:///why?.db", "sqlite:///#1.db"])
async def test_a_raw_query_or_fragment_is_refused_saying_how_to_write_the_name(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await print_journal(url, "/acct-42") == 2
    [said] = capsys.readouterr().err.splitlines()
    assert said.startswith(JOURNAL_ERROR)
    assert "takes no query or fragment" in said
    assert "%3F" in said and "%23" in said


async def test_an_encoded_nul_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert await print_journal("sqlite:///a%00b.db", "/acct-42") == 2
    [said] = capsys.readouterr().err.splitlines()
    assert said.startswith(JOURNAL_ERROR)
    assert "NUL" in said
