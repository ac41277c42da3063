"""The journal command's arguments, swept as the bad input sweep sweeps the library's: each
wrong store URL, persistence id or `--from` is refused as a bad argument (status 2) with a
line on stderr naming what is wrong, before anything is opened or created.

What a command line can carry: text, with bytes that are not UTF-8 as lone surrogates
(`\\udcff`); never a NUL, which `print_journal` is given directly here."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from actorkit._cli import main
from actorkit.persistence._journal import print_journal

pytestmark = pytest.mark.timeout(30)

URLS = [
    ("", "unknown scheme"),
    ("bank.db", "unknown scheme"),
    ("file:///bank.db", "unknown scheme"),
    ("sqlite:", "malformed"),
    ("sqlite:///", "names no file"),
    ("sqlite:///bank.db?mode=ro", "no query or fragment"),
    ("postgresql://me@h:99999/db", "must be a number from 0 to 65535"),
    ("postgresql://me@[::1/db", "malformed"),
    ("postgresql://me@h/sh\udcffop", "must be text UTF-8 can encode"),
    ("postgresql://me@h/db%00", "holds a NUL"),
]
IDS = [("", "non-empty str"), ("/a\udcff", "UTF-8 can encode"), ("x" * 1025, "at most 1024")]
FROMS = ["0", "-1", str(2**63), "1.5", "nan", "", "one"]


def journal(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as exited:
        raise SystemExit(main(["journal", *argv]))
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") <= 3, err  # a line (argparse adds its usage), no traceback
    return err


@pytest.mark.parametrize(("url", "says"), URLS, ids=[url or "empty" for url, _ in URLS])
def test_a_wrong_store_url_is_a_bad_argument(
    capsys: pytest.CaptureFixture[str], url: str, says: str
) -> None:
    assert says in journal(capsys, url, "/a")


@pytest.mark.parametrize(("given", "says"), IDS, ids=["empty", "surrogate", "long"])
def test_a_wrong_persistence_id_is_a_bad_argument_and_creates_no_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], given: str, says: str
) -> None:
    err = journal(capsys, f"sqlite:///{tmp_path / 'bank.db'}", "--", given)
    assert "persistence_id must be" in err
    assert says in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("from_seq", FROMS)
def test_a_wrong_from_is_a_bad_argument_and_creates_no_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], from_seq: str
) -> None:
    assert "--from" in journal(
        capsys, f"sqlite:///{tmp_path / 'bank.db'}", "/a", "--from", from_seq
    )
    assert list(tmp_path.iterdir()) == []


async def test_a_nul_in_an_id_is_a_bad_argument(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'bank.db'}"
    assert await print_journal(url, "/a\x00b", out=io.StringIO()) == 2
    assert "must not contain NUL" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv", [["-acct"], ["--acct"], ["-acct", "--from", "2"], ["--from", "2", "-acct"]]
)
def test_an_id_that_starts_with_a_dash_is_refused_saying_to_put_it_after_dashes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    """argparse takes it for an option it does not know, and then misses the id: the error
    says so, and how to pass it, rather than only that the id is missing."""
    url = f"sqlite:///{tmp_path / 'bank.db'}"
    err = journal(capsys, url, *argv)
    dashed = next(arg for arg in argv if arg.endswith("acct"))
    assert f"{dashed!r} is read as an option" in err
    assert f"put it after '--': python -m actorkit journal URL -- {dashed}" in err
    assert list(tmp_path.iterdir()) == []
