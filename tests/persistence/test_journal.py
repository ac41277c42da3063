"""`python -m actorkit journal` and store URLs: an actor's history for people, readable in a
process that cannot import the event classes."""

from __future__ import annotations

import asyncio
import io
import sqlite3
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

import actorkit
from actorkit._cli import main
from actorkit.persistence import PersistenceError, PostgresStore, SQLiteStore
from actorkit.persistence._display import show
from actorkit.persistence._journal import NOTHING_STORED, print_journal
from actorkit.persistence._payload import encode
from actorkit.persistence._url import store_from_url
from tests.processes import communicate

from .conftest import UVLOOP_ONLY
from .fencing import ROOT
from .postgres_server import PostgresServer


@actorkit.message("journal.Deposited")
@dataclass(frozen=True)
class Deposited:
    amount: int
    note: str


EVENTS = [Deposited(5, "pay"), {"plain": [1, (2, 3)]}, "text", Deposited(-1, "fee")]
SHOWN = [
    "journal.Deposited(amount=5, note='pay')",
    "{'plain': [1, (2, 3)]}",
    "'text'",
    "journal.Deposited(amount=-1, note='fee')",
]


async def write_history(url: str) -> float:
    async with store_from_url(url) as store:
        return await store.append("acct-42", 0, [encode(event) for event in EVENTS])


async def journal_in_another_process(url: str, *args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "actorkit", "journal", url, *args, cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await communicate(proc)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


def check_lines(output: str, written: float, first: int = 1) -> None:
    lines = [line.split("\t") for line in output.splitlines()]
    assert [int(seq) for seq, _, _ in lines] == list(range(first, len(EVENTS) + 1))
    assert [event for _, _, event in lines] == SHOWN[first - 1 :]
    for _, stamp, _ in lines:
        assert datetime.fromisoformat(stamp).timestamp() == pytest.approx(written, abs=1e-5)


@UVLOOP_ONLY
async def test_the_journal_of_a_sqlite_store_without_the_event_classes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bank.db'}"
    written = await write_history(url)
    status, out, err = await journal_in_another_process(url, "acct-42")
    assert (status, err) == (0, "")
    check_lines(out, written)
    status, out, _ = await journal_in_another_process(url, "acct-42", "--from", "3")
    check_lines(out, written, first=3)


@UVLOOP_ONLY
async def test_the_journal_of_a_postgres_store(postgres: PostgresServer) -> None:
    url = postgres.fresh()
    written = await write_history(url)
    status, out, err = await journal_in_another_process(url, "acct-42")
    assert (status, err) == (0, "")
    check_lines(out, written)


async def test_a_relative_sqlite_url_is_relative_to_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    written = await write_history("sqlite:///rel.db")
    out = io.StringIO()
    assert await print_journal("sqlite:///rel.db", "acct-42", out=out) == 0
    check_lines(out.getvalue(), written)


async def test_an_id_with_no_events_prints_its_state_or_says_nothing_is_stored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A DurableState's id shows its state; an unknown one is an error (exit 3); a journal
    read past its end is not (a reader polling for new events)."""
    async with asyncio.timeout(30):
        url = f"sqlite:///{tmp_path / 'bank.db'}"
        await write_history(url)
        async with store_from_url(url) as store:
            await store.save_state("/box", 0, encode({"n": Deposited(1, "x")}))
        out = io.StringIO()
        assert await print_journal(url, "/box", out=out) == 0
        assert out.getvalue() == "revision 1\t{'n': journal.Deposited(amount=1, note='x')}\n"
        assert await print_journal(url, "acct-42", len(EVENTS) + 1, out=out) == 0
        assert capsys.readouterr().err == ""
        assert await print_journal(url, "/acct-4", out=out) == NOTHING_STORED == 3
        assert capsys.readouterr().err == (
            f"python -m actorkit journal: error: SQLite store {tmp_path / 'bank.db'} holds no "
            "events and no state under '/acct-4': check the id (a durable actor's is its path, "
            "such as /acct-42, unless it was spawned with persistence_id=...)\n"
        )
        assert out.getvalue().count("\n") == 1


@UVLOOP_ONLY
async def test_a_reader_that_stops_early_is_no_error(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'long.db'}"
    async with store_from_url(url) as store:
        await store.append("long", 0, [encode(Deposited(n, "x" * 50)) for n in range(5000)])
    proc = await asyncio.create_subprocess_exec(
        "bash", "-c", '"$0" -m actorkit journal "$1" long | head -1; exit "${PIPESTATUS[0]}"',
        sys.executable, url, cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await communicate(proc)
    assert (proc.returncode, err) == (0, b"")
    assert out.startswith(b"1\t") and out.count(b"\n") == 1


async def test_journal_failures_say_what_is_wrong(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await print_journal("mysql://x/y", "a") == 2
    assert "unknown scheme 'mysql'" in capsys.readouterr().err
    assert await print_journal(f"sqlite:///{tmp_path / 'absent.db'}", "a") == 1
    assert "no SQLite store at" in capsys.readouterr().err
    assert not (tmp_path / "absent.db").exists()
    (tmp_path / "junk.db").write_bytes(b"junk" * 2000)
    assert await print_journal(f"sqlite:///{tmp_path / 'junk.db'}", "a") == 1
    assert "not a database" in capsys.readouterr().err


def sqlite_file(path: Path) -> tuple[str, list[str]]:
    """Its journal mode and tables, as another program would see them."""
    conn = sqlite3.connect(path)
    try:
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        tables = [name for (name,) in conn.execute("SELECT name FROM sqlite_master")]
    finally:
        conn.close()
    return mode, tables


async def test_the_journal_of_a_file_that_is_no_store_says_so_and_leaves_it_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = tmp_path / "app.db"
    conn = sqlite3.connect(app)
    conn.execute("CREATE TABLE orders (id INTEGER)")
    conn.commit()
    conn.close()
    (tmp_path / "empty.db").touch()
    for path in (app, tmp_path / "empty.db"):
        assert await print_journal(f"sqlite:///{path}", "a") == 1
        err = capsys.readouterr().err
        assert f"{path} is not an actorkit store: no actorkit_schema table" in err
    assert sqlite_file(app) == ("delete", ["orders"])
    assert sqlite_file(tmp_path / "empty.db") == ("delete", [])
    for name in ("app.db-wal", "app.db-shm", "empty.db-wal", "empty.db-shm"):
        assert not (tmp_path / name).exists(), name


async def test_the_journal_of_a_postgres_database_that_is_no_store_says_so(
    postgres: PostgresServer, capsys: pytest.CaptureFixture[str]
) -> None:
    url = postgres.fresh()
    assert await print_journal(url, "a") == 1
    assert "is not an actorkit store: no actorkit_schema table" in capsys.readouterr().err
    assert postgres.psql("SELECT to_regclass('actorkit_journal') IS NULL", url).strip() == "t"


async def test_a_store_opened_read_only_reads_and_refuses_writes(
    tmp_path: Path, postgres: PostgresServer
) -> None:
    for url in (f"sqlite:///{tmp_path / 'store.db'}", postgres.fresh()):
        await write_history(url)
        store = store_from_url(url)
        await store.open_read_only()
        try:
            assert await store.highest_seq("acct-42") == len(EVENTS)
            with pytest.raises(PersistenceError, match="open read-only"):
                await store.append("acct-42", len(EVENTS), [b"x"])
        finally:
            await store.close()
        with pytest.raises(PersistenceError, match="closed"):
            await store.highest_seq("acct-42")


def test_journal_arguments_are_checked(capsys: pytest.CaptureFixture[str]) -> None:
    for first in ("0", "-1", str(2**63)):
        assert main(["journal", "sqlite:///x.db", "a", "--from", first]) == 2
        said = f"--from must be a sequence number from 1 to 2**63 - 1, got {first}"
        assert said in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["journal", "sqlite:///x.db", "a", "--from", "one"])
    assert "expected a sequence number, got 'one'" in capsys.readouterr().err
    assert main(["journal", "sqlite://x.db", "a"]) == 2
    assert "malformed" in capsys.readouterr().err
    assert main(["journal", "postgresql://[::1", "a"]) == 2
    assert "the URL is malformed (Invalid IPv6 URL)" in capsys.readouterr().err
    # asyncpg refuses the query before connecting: an error line, exit 1, no traceback
    assert main(["journal", "postgresql://127.0.0.1:1/db?a", "a"]) == 1
    assert "bad query field" in capsys.readouterr().err
    # an id the shell passed as undecodable bytes: no store is opened
    assert main(["journal", "sqlite:///x.db", "acct-\udcff"]) == 2
    assert "must be text UTF-8 can encode" in capsys.readouterr().err


def test_show_never_raises() -> None:
    assert show(b"\xc1").startswith("<undecodable 1 bytes")
    assert show(encode(1)[:0] + b"\x92\x01\x02") == "<not a stored value: [1, 2]>"
    assert show(b"\x91\xc7\x01\x09\x01").startswith("<extension 9>")


@pytest.mark.parametrize(
    ("url", "kind", "target"),
    [
        ("sqlite:///rel.db", SQLiteStore, "rel.db"),
        ("sqlite:////abs/path.db", SQLiteStore, "/abs/path.db"),
        ("postgresql://u@h:5/db", PostgresStore, "postgresql://u@h:5/db"),
        ("postgres://h/db", PostgresStore, "postgres://h/db"),
        ("SQLite:///Rel.db", SQLiteStore, "Rel.db"),  # a scheme is case-insensitive (RFC 3986)
        ("PostgreSQL://U@H/DB", PostgresStore, "postgresql://U@H/DB"),
    ],
)
def test_store_urls(url: str, kind: type, target: str) -> None:
    store = store_from_url(url)
    assert isinstance(store, kind)
    assert (store.path if isinstance(store, SQLiteStore) else store.dsn) == target  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("sqlite://rel.db", "three slashes"),
        ("sqlite:rel.db", "three slashes"),
        ("sqlite:///", "names no file"),
        ("sqlite:////", "names no file"),
        ("sqlite:///x.db?mode=ro", "no query"),
        ("sqlite:///x.db#part", "no query or fragment"),
        ("redis://localhost", "unknown scheme 'redis'"),
        ("bank.db", "unknown scheme ''"),
        ("Data/Bank.db", "store URL 'Data/Bank.db'"),  # shown as given: no scheme to lower
        ("Data/Bank:1.db", "store URL 'Data/Bank:1.db'"),  # a colon in a path: no scheme either
        ("Bank", "store URL 'Bank'"),  # no colon: no scheme, though it could spell one
        ("1A:Bank.db", "store URL '1A:Bank.db'"),  # a scheme starts with a letter
        ("", "unknown scheme"),
        ("postgresql://[::1/db", "the URL is malformed"),
        ("postgresql://h:port/db", "port 'port' in 'postgresql://h:port/db' must be a number"),
        ("postgres://u:secret@h1:5432,h2:99999/db", "port '99999' in 'h1:5432,h2:99999/db'"),
    ],
)
def test_malformed_store_urls(url: str, said: str) -> None:
    with pytest.raises(ValueError, match=said):
        store_from_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+asyncpg://u:hunter2@h/db",  # SQLAlchemy's spelling
        "postgres:/u:hunter2@h/db",
        "mysql://u:hunter2@h/db?password=hunter2",
        "sqlite://u:hunter2@h/db",
        "postgresql://u:hunter2@h:99999/db",
        "postgresql://u:hun/ter2@h:5432/db",  # unencoded: asyncpg took 'hun' for the port
        "postgresql://u:12?hunter2@h:5432/db",  # ... and 'hunter2@h:5432/db' for a query
        "postgresql://u:12#hunter2@h:5432/db",
        "postgresql://u@corp:hunter2@h:5432/db",  # asyncpg: the port 'hunter2@h:5432'
        "postgresql://u:12@hunter2@h:5432/db",  # asyncpg: the host 'hunter2@h', looked up
        "mysql://u@corp:hunter2@h/db",  # the user ends at the last '@', not the first
        "postgres:/u:hunter2://x@h/db",  # the scheme ends at the first ':', not '://'
        "mysql://h/db#password=hunter2",
    ],
)
def test_a_malformed_url_is_never_shown_with_its_password(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["journal", url, "a"]) == 2
    said = capsys.readouterr().err  # in the form of every error (test_cli_error_form)
    assert "hunter2" not in said and "hun'" not in said and "12" not in said
