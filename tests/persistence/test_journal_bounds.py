"""The journal command at its edges: `--from` at both ends of its range, just past a
journal's end and on a durable state's id, the slash hint for ids it cannot apply to, a URL
that is no str."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest

from actorkit._persistence_id import MAX_PERSISTENCE_ID
from actorkit.persistence._base import MAX_SEQ
from actorkit.persistence._journal import NOTHING_STORED, print_journal
from actorkit.persistence._url import store_from_url


async def one_event(tmp_path: Path, persistence_id: str) -> str:
    url = f"sqlite:///{tmp_path / 'bank.db'}"
    async with store_from_url(url) as store:
        await store.append(persistence_id, 0, [b"\x00"])
    return url


async def test_from_reads_past_the_end_of_a_journal_without_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = await one_event(tmp_path, "a")
    out = io.StringIO()
    for from_seq in (2, MAX_SEQ):
        assert await print_journal(url, "a", from_seq, out=out) == 0
    assert out.getvalue() == ""
    assert capsys.readouterr().err == ""


async def test_from_past_one_on_a_durable_states_id_says_it_holds_a_state(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A state has no sequence numbers to start from: its line printed for every `--from`
    would read, to a reader polling with it, as something new each time."""
    async with asyncio.timeout(30):
        url = f"sqlite:///{tmp_path / 'bank.db'}"
        async with store_from_url(url) as store:
            for revision in range(3):
                await store.save_state("/box", revision, b"\x91\x05")
        out = io.StringIO()
        assert await print_journal(url, "/box", 1, out=out) == 0
        assert out.getvalue() == "revision 3\t5\n"
        for from_seq in (2, 3, 4, MAX_SEQ):
            out = io.StringIO()
            assert await print_journal(url, "/box", from_seq, out=out) == 2
            assert out.getvalue() == ""
            assert capsys.readouterr().err == (
                f"python -m actorkit journal: error: SQLite store {tmp_path / 'bank.db'} holds "
                "a DurableState's state under '/box' (revision 3), not events, which --from "
                "numbers: run the command without --from to print the state\n"
            )


@pytest.mark.parametrize("from_seq", [True, 2.0, "2"])
async def test_from_is_an_int(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], from_seq: object
) -> None:
    url = await one_event(tmp_path, "a")
    assert await print_journal(url, "a", from_seq, out=io.StringIO()) == 2  # type: ignore[arg-type]
    assert "--from must be a sequence number" in capsys.readouterr().err


async def test_no_slash_hint_for_an_id_with_its_slash_or_one_too_long_for_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = await one_event(tmp_path, "//a")
    longest = "b" * MAX_PERSISTENCE_ID
    for given in ("/a", longest):
        assert await print_journal(url, given, out=io.StringIO()) == NOTHING_STORED
        err = capsys.readouterr().err
        assert f"no events and no state under {given!r}: check the id" in err


def test_a_store_url_is_a_str() -> None:
    with pytest.raises(TypeError, match="a store URL is a str, got bytes"):
        store_from_url(b"sqlite:///bank.db")  # type: ignore[arg-type]


async def test_a_postgresql_url_holding_an_undecodable_byte_is_a_bad_argument(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A byte of the command line that is not UTF-8 (`\\udcff` here): the command tried to
    connect with it, and failed as a store error (1) or with asyncpg's AttributeError."""
    url = "postgresql://me@127.0.0.1:1/sh\udcffop"
    assert await print_journal(url, "/a", out=io.StringIO()) == 2
    assert "must be text UTF-8 can encode" in capsys.readouterr().err
