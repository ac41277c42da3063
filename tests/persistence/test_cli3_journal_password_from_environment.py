"""`python -m actorkit journal` on a PostgreSQL store whose user has a password: the password
can stay off the command line, where other users of the host read it (`ps`), as `top`'s
credentials do: asyncpg takes it from PGPASSWORD or the password file, as libpq does."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from .conftest import UVLOOP_ONLY
from .postgres_server import PostgresServer
from .test_journal import SHOWN, journal_in_another_process, write_history

pytestmark = pytest.mark.timeout(60)

CHECKS = 500
"""New sessions asked whether the server has read its changed pg_hba.conf: each takes
about 20 ms, and the server reads it within a few."""


def _password_required(postgres: PostgresServer, role: str) -> None:
    """`role` must give its password over TCP from now on: a rule of its own, first in
    pg_hba.conf, read by the server before this returns (a session started after the reload
    has a later `pg_conf_load_time`)."""
    loaded = postgres.psql("SELECT pg_conf_load_time()").strip()
    hba = postgres.data / "pg_hba.conf"
    hba.write_text(f"host all {role} 127.0.0.1/32 scram-sha-256\n{hba.read_text()}")
    postgres.psql("SELECT pg_reload_conf()")
    for _ in range(CHECKS):
        if postgres.psql(f"SELECT pg_conf_load_time() > '{loaded}'").strip() == "t":
            return
    raise AssertionError(f"the server did not read pg_hba.conf again in {CHECKS} sessions")


@UVLOOP_ONLY
async def test_the_password_comes_from_pgpassword_and_a_refusal_says_where_to_set_it(
    postgres: PostgresServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = postgres.fresh()
    await write_history(url)
    schema = url.rpartition("%3D")[2]
    role, password = "r" + uuid.uuid4().hex[:12], uuid.uuid4().hex
    postgres.psql(
        f"CREATE ROLE {role} LOGIN PASSWORD '{password}'; "
        f"GRANT USAGE ON SCHEMA {schema} TO {role}; "
        f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {role}"
    )
    _password_required(postgres, role)
    as_role = url.replace("postgresql://postgres@", f"postgresql://{role}@")
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "no-such-file"))

    status, out, err = await journal_in_another_process(as_role, "acct-42")
    assert (status, out) == (1, "")
    assert f'password authentication failed for user "{role}"' in err
    assert "PGPASSWORD" in err and "~/.pgpass" in err

    monkeypatch.setenv("PGPASSWORD", password)
    status, out, err = await journal_in_another_process(as_role, "acct-42")
    assert (status, err) == (0, "")
    assert [line.split("\t")[2] for line in out.splitlines()] == SHOWN
