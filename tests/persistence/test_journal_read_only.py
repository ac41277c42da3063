"""The journal command on SQLite creates no file and writes nothing, whatever state the store
was left in and whether or not its directory is writable (docs/persistence.md, "Journal CLI")."""

from __future__ import annotations

import asyncio
import errno
import io
import os
import shutil
import sys
from pathlib import Path

import pytest

from actorkit.persistence import PersistenceError
from actorkit.persistence._journal import print_journal
from actorkit.persistence._payload import encode
from actorkit.persistence._url import store_from_url
from tests.cli_support import JOURNAL_ERROR
from tests.processes import communicate, without_root_powers

from .conftest import UVLOOP_ONLY
from .fencing import ROOT


async def journal_without_write_access(directory: Path, url: str) -> tuple[int, str, str]:
    """The command in another process that may read `directory` but not write there."""
    os.chmod(directory, 0o500)
    try:
        proc = await asyncio.create_subprocess_exec(
            *without_root_powers(), sys.executable, "-m", "actorkit", "journal", url, "log",
            cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await communicate(proc)
    finally:
        os.chmod(directory, 0o700)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


def seqs(output: str) -> list[int]:
    return [int(line.split("\t")[0]) for line in output.splitlines()]


@UVLOOP_ONLY
@pytest.mark.parametrize("left", ["shut down", "running", "crashed"])
async def test_a_store_is_read_in_a_read_only_directory_and_no_file_appears(
    tmp_path: Path, left: str
) -> None:
    """Shut down cleanly, only the database file is left (read `immutable`); running or
    crashed, its `-wal` and `-shm` are there too (read through them)."""
    async with asyncio.timeout(30):
        url = f"sqlite:///{tmp_path / 'store.db'}"
        async with store_from_url(url) as store:
            await store.append("log", 0, [encode("a"), encode("b")])
            if left == "crashed":  # the files as a killed process leaves them
                shutil.copytree(tmp_path, tmp_path / "crashed", ignore=lambda *_: ["crashed"])
            if left == "running":
                files = sorted(os.listdir(tmp_path))
                status, out, err = await journal_without_write_access(tmp_path, url)
                assert (status, seqs(out), err) == (0, [1, 2], "")
                assert sorted(os.listdir(tmp_path)) == files
                return
        if left == "crashed":
            tmp_path = tmp_path / "crashed"
            url = f"sqlite:///{tmp_path / 'store.db'}"
            assert (tmp_path / "store.db-wal").stat().st_size > 0
        files = sorted(os.listdir(tmp_path))
        assert ("store.db-wal" in files) is (left == "crashed")
        status, out, err = await journal_without_write_access(tmp_path, url)
        assert (status, seqs(out), err) == (0, [1, 2], "")
        assert sorted(os.listdir(tmp_path)) == files
        assert await print_journal(url, "log", out=io.StringIO()) == 0
        assert sorted(os.listdir(tmp_path)) == files  # with write access too


async def test_a_log_without_its_shm_is_refused_saying_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with asyncio.timeout(30):
        (tmp_path / "copy").mkdir()
        async with store_from_url(f"sqlite:///{tmp_path / 'store.db'}") as store:
            await store.append("log", 0, [encode("a")])
            for name in ("store.db", "store.db-wal"):
                shutil.copy(tmp_path / name, tmp_path / "copy" / name)
        copy = tmp_path / "copy" / "store.db"
        assert await print_journal(f"sqlite:///{copy}", "log") == 1
        err = capsys.readouterr().err
        assert f"{copy}-wal holds commits not yet in the file" in err
        assert "start the system that owns it" in err
        assert sorted(os.listdir(tmp_path / "copy")) == ["store.db", "store.db-wal"]


async def test_a_store_written_while_read_without_its_log_fails_the_read(tmp_path: Path) -> None:
    """Read `immutable`, a file another process checkpoints into would give torn pages."""
    async with asyncio.timeout(30):
        url = f"sqlite:///{tmp_path / 'store.db'}"
        async with store_from_url(url) as store:
            await store.append("log", 0, [encode("a")])
        reader = store_from_url(url)
        await reader.open_read_only()
        try:
            assert await reader.highest_seq("log") == 1
            async with store_from_url(url) as writer:  # closing it folds its log into the file
                await writer.append("log", 1, [encode("b")])
            with pytest.raises(PersistenceError, match="changed while it was read"):
                await reader.highest_seq("log")
        finally:
            await reader.close()


async def test_a_directory_for_the_file_says_to_pass_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await print_journal(f"sqlite:///{tmp_path}", "log") == 1
    err = capsys.readouterr().err
    assert f"{tmp_path} is a directory: pass the database file in it" in err
    assert os.listdir(tmp_path) == []


async def test_a_store_removed_while_read_without_its_log_fails_the_read(tmp_path: Path) -> None:
    """Gone from its directory (replaced, say, by a restored copy), the file read may not be
    the store's any more."""
    async with asyncio.timeout(30):
        path = tmp_path / "store.db"
        async with store_from_url(f"sqlite:///{path}") as store:
            await store.append("log", 0, [encode("a")])
        reader = store_from_url(f"sqlite:///{path}")
        await reader.open_read_only()
        try:
            assert await reader.highest_seq("log") == 1
            path.unlink()
            with pytest.raises(PersistenceError, match="changed while it was read"):
                await reader.highest_seq("log")
        finally:
            await reader.close()


async def test_a_log_that_cannot_be_looked_at_is_a_store_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Whether the `-wal` holds commits decides how the file is read: a `-wal` whose size
    cannot be read (a loop of links, here) fails the command, said like SQLite's own errors."""
    async with asyncio.timeout(30):
        path = tmp_path / "store.db"
        async with store_from_url(f"sqlite:///{path}") as store:
            await store.append("log", 0, [encode("a")])
        wal = Path(f"{path}-wal")
        os.symlink(wal, wal)
        assert await print_journal(f"sqlite:///{path}", "log", out=io.StringIO()) == 1
    assert capsys.readouterr().err == (
        f"{JOURNAL_ERROR}SQLite store {path}: opening the database read-only failed: "
        f"[Errno {errno.ELOOP}] {os.strerror(errno.ELOOP)}: '{wal}'\n"
    )


@UVLOOP_ONLY
@pytest.mark.parametrize("unreadable", ["store.db-wal", "store.db-shm", "store.db"])
async def test_a_crashed_store_it_may_not_read_all_of_says_which_files_it_needs(
    tmp_path: Path, unreadable: str
) -> None:
    """Its log, or the log's index, unreadable: said as such, not as a directory to write
    in; the file itself unreadable: not blamed on the log."""
    async with asyncio.timeout(30):
        url = f"sqlite:///{tmp_path / 'store.db'}"
        async with store_from_url(url) as store:
            await store.append("log", 0, [encode("a")])
            shutil.copytree(tmp_path, tmp_path / "crashed", ignore=lambda *_: ["crashed"])
        crashed = tmp_path / "crashed" / "store.db"
        os.chmod(crashed.parent / unreadable, 0)
        status, out, err = await journal_without_write_access(
            crashed.parent, f"sqlite:///{crashed}"
        )
    assert (status, out) == (1, "")
    blamed = f"this needs read access to {crashed}-wal and {crashed}-shm"
    if unreadable == "store.db":
        assert blamed not in err
        assert err.startswith(
            f"{JOURNAL_ERROR}SQLite store {crashed}: opening the database read-only "
        )
    else:
        assert f"SQLite store {crashed}: reading it through its write-ahead log failed: " in err
        assert blamed in err
