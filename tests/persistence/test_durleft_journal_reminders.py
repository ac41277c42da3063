"""The journal command on an id that holds reminders and nothing else (an actor that set a
reminder before it persisted or saved anything): not "check the id", which sends the user
hunting for a typo in a right id, but that the id holds only reminders, naming them. Exit 3
stays: there are no events and no state to print (docs/persistence.md, "Journal CLI")."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from actorkit.persistence import StoredReminder
from actorkit.persistence._display import stamp
from actorkit.persistence._journal import NOTHING_STORED, print_journal
from actorkit.persistence._payload import encode
from actorkit.persistence._url import store_from_url
from tests.cli_support import JOURNAL_ERROR

pytestmark = pytest.mark.timeout(30)

DUE = 1_800_000_000.25


async def test_an_id_with_only_reminders_says_so_naming_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'bank.db'}"
    async with store_from_url(url) as store:
        await store.put_reminder("/a", StoredReminder("sweep", DUE + 60, 60.0, b"\x00"))
        await store.put_reminder("/a", StoredReminder("invoice", DUE, None, b"\x00"))
    out = io.StringIO()
    assert await print_journal(url, "/a", out=out) == NOTHING_STORED
    assert out.getvalue() == ""
    err = capsys.readouterr().err
    assert err == (
        f"{JOURNAL_ERROR}SQLite store {tmp_path / 'bank.db'} holds no events and no state under "
        f"'/a', only 2 reminders: 'invoice' (due {stamp(DUE)}), 'sweep' (due "
        f"{stamp(DUE + 60)}, every 60.0 s): the id is in use, by an actor that has persisted "
        "and saved nothing yet (its reminders are read with store.reminders('/a'))\n"
    )
    assert "check the id" not in err
    assert await print_journal(url, "/a", 3, out=out) == NOTHING_STORED  # --from alike
    assert "only 2 reminders" in capsys.readouterr().err


async def test_many_reminders_are_named_up_to_three(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'bank.db'}"
    async with store_from_url(url) as store:
        for n in range(5):
            await store.put_reminder("/a", StoredReminder(f"k{n}", DUE, None, b"\x00"))
    assert await print_journal(url, "/a", out=io.StringIO()) == NOTHING_STORED
    err = capsys.readouterr().err
    assert "only 5 reminders: 'k0' (due " in err and "'k2' (due " in err
    assert "'k3'" not in err and "and 2 more" in err


async def test_an_id_with_events_or_state_beside_reminders_prints_as_before(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'bank.db'}"
    async with store_from_url(url) as store:
        await store.put_reminder("/s", StoredReminder("k", DUE, None, b"\x00"))
        await store.save_state("/s", 0, encode(None))
    out = io.StringIO()
    assert await print_journal(url, "/s", out=out) == 0
    assert out.getvalue() == "revision 1\tNone\n"
    assert await print_journal(url, "/nobody", out=out) == NOTHING_STORED
    assert "check the id" in capsys.readouterr().err
