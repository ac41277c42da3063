"""The journal command on an id that holds a snapshot and no events: its journal lost, as
after a restore of the journals from an older backup than the snapshots (docs/persistence.md,
"Restoring a backup"). Not "check the id", which sends the user hunting for a typo in a
right id, but that the id holds only a snapshot, whose actor's recovery fails, and what to
do. Exit 3 stays: there are no events and no state to print."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from actorkit.persistence import StoredReminder
from actorkit.persistence._journal import NOTHING_STORED, print_journal
from actorkit.persistence._payload import encode
from actorkit.persistence._url import store_from_url
from tests.cli_support import JOURNAL_ERROR

pytestmark = pytest.mark.timeout(30)


@pytest.mark.parametrize("from_seq", [1, 3])
async def test_an_id_with_only_a_snapshot_says_its_journal_is_gone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], from_seq: int
) -> None:
    url = f"sqlite:///{tmp_path / 'bank.db'}"
    async with store_from_url(url) as store:
        await store.save_snapshot("/a", 4, encode(10))
        await store.put_reminder("/a", StoredReminder("sweep", 1e9, None, encode(1)))
    out = io.StringIO()
    assert await print_journal(url, "/a", from_seq, out=out) == NOTHING_STORED
    assert out.getvalue() == ""
    err = capsys.readouterr().err
    assert err == (
        f"{JOURNAL_ERROR}SQLite store {tmp_path / 'bank.db'} holds no events and no state under "
        "'/a', only a snapshot at sequence number 4: its journal is gone (restored from an "
        "older backup than the snapshots, or deleted), so its actor's recovery fails; restore "
        "the journal and the snapshots from one backup, or delete the id's row of "
        'actorkit_snapshots (docs/persistence.md, Guarantees, "Restoring a backup")\n'
    )
    assert "check the id" not in err
