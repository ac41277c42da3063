"""The journal command on times no date can show: a reminder due at any finite time (what
`put_reminder` takes, docs/persistence.md "Stores") and a row another program wrote with a
commit time past year 9999 or before year 1. The command prints such a time as its seconds
since the epoch, never a traceback ("Journal CLI": every error one line on stderr)."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest

from actorkit.persistence import StoredReminder
from actorkit.persistence._journal import NOTHING_STORED, print_journal
from actorkit.persistence._payload import encode
from actorkit.persistence._url import store_from_url
from tests.cli_support import JOURNAL_ERROR

pytestmark = pytest.mark.timeout(30)

FAR = [1e12, -1e12, 1e300, -1e300]
"""Years 33658 and -29719, and past what the platform's time_t holds."""


@pytest.mark.parametrize("due", FAR)
async def test_a_reminder_due_past_any_date_is_named_with_its_seconds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], due: float
) -> None:
    url = f"sqlite:///{tmp_path / 'bank.db'}"
    async with store_from_url(url) as store:
        await store.put_reminder("/a", StoredReminder("far", due, None, encode(None)))
    assert await print_journal(url, "/a", out=io.StringIO()) == NOTHING_STORED
    err = capsys.readouterr().err
    assert err.startswith(JOURNAL_ERROR) and err.count("\n") == 1
    assert f"only 1 reminder: 'far' (due {due!r} s since the epoch)" in err


async def test_an_event_written_at_a_time_past_any_date_prints_its_seconds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bank.db"
    url = f"sqlite:///{path}"
    async with store_from_url(url) as store:
        await store.append("/a", 0, [encode(5)])
    with sqlite3.connect(path) as db:  # another program's rows: data, whoever wrote them
        db.executemany(
            "INSERT INTO actorkit_journal_tail (persistence_id, seq, time, payload) "
            "VALUES ('/a', ?, ?, ?)",
            [(2 + n, time, encode(n)) for n, time in enumerate(FAR)],
        )
    db.close()
    out = io.StringIO()
    assert await print_journal(url, "/a", out=out) == 0
    assert capsys.readouterr().err == ""
    lines = out.getvalue().splitlines()
    assert len(lines) == 1 + len(FAR)
    assert [line.split("\t") for line in lines[1:]] == [
        [str(2 + n), f"{time!r} s since the epoch", str(n)] for n, time in enumerate(FAR)
    ]
