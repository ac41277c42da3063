"""What `journal` says of a PostgreSQL store it cannot read: the check it made, never a
password."""

from __future__ import annotations

from tests.cli_support import JOURNAL_ERROR, run_cli
from tests.processes import HeldPort


def test_an_unreachable_postgres_store_is_one_line_that_claims_no_schema_creation() -> None:
    """The command only reads: an error that spoke of "creating" the schema alarmed its user
    into thinking it had tried to write to the database."""
    with HeldPort(shared=False) as nowhere:
        url = f"postgresql://reader:s3cret-pw@127.0.0.1:{nowhere.port}/shop"
        result = run_cli("journal", url, "/acct", timeout=30)
    assert (result.returncode, result.stdout) == (1, "")
    [line] = result.stderr.splitlines()
    assert line.startswith(f"{JOURNAL_ERROR}PostgreSQL store 127.0.0.1:")
    assert "checking the schema failed" in line
    assert "creating" not in line
    assert "s3cret" not in line and "reader" not in line
