"""The journal command on a PostgreSQL DSN whose search_path names no schema that exists (a
typo in `options=-csearch_path%3D...`): the store's writer already says to fix the
search_path (`_postgres_hints`), so the reader, which creates nothing and only finds no
table, says it too rather than only "not an actorkit store", which sends the user after the
database name that is right. The schema's name stays out of the message, as every part of a
DSN's query does (docs/persistence.md, "Journal CLI")."""

from __future__ import annotations

import pytest

from actorkit.persistence._journal import print_journal
from tests.cli_support import JOURNAL_ERROR

from .postgres_server import PostgresServer

pytestmark = pytest.mark.timeout(60)


async def test_a_search_path_naming_no_schema_that_exists_is_named_as_the_cause(
    postgres: PostgresServer, capsys: pytest.CaptureFixture[str]
) -> None:
    url = postgres.fresh().replace("search_path%3D", "search_path%3Dmistyped")
    assert await print_journal(url, "/a") == 1
    err = capsys.readouterr().err
    assert err.startswith(JOURNAL_ERROR) and err.count("\n") == 1
    assert "no actorkit_schema table" in err
    assert "search_path names no schema that exists" in err
    assert "options=-csearch_path%3D" in err and "mistyped" not in err


async def test_a_search_path_of_an_existing_schema_without_the_tables_is_no_store(
    postgres: PostgresServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await print_journal(postgres.fresh(), "/a") == 1
    err = capsys.readouterr().err
    assert "is not an actorkit store: no actorkit_schema table" in err
    assert "search_path names no schema" not in err
