"""The journal command on an id with nothing stored: when the id lacks the leading slash of
an actor's path and the path has a history, it says which id to pass."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from actorkit.persistence._journal import NOTHING_STORED, print_journal
from actorkit.persistence._url import store_from_url
from tests.cli_support import JOURNAL_ERROR


async def test_an_id_without_its_slash_points_at_the_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'bank.db'}"
    async with store_from_url(url) as store:
        await store.append("/alice", 0, [b"\x00"])
        await store.save_state("/box", 0, b"\x00")
    out = io.StringIO()
    for given, meant in (("alice", "/alice"), ("box", "/box")):
        assert await print_journal(url, given, out=out) == NOTHING_STORED
        assert capsys.readouterr().err == (
            f"{JOURNAL_ERROR}SQLite store {tmp_path / 'bank.db'} holds no events and no state "
            f"under {given!r}, but some under {meant!r} (a durable actor's id is its path): "
            f"pass {meant}\n"
        )
    assert await print_journal(url, "bob", out=out) == NOTHING_STORED
    assert "check the id" in capsys.readouterr().err
    assert out.getvalue() == ""
