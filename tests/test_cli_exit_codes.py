"""Each command's `--help` lists its exit statuses, as the docs do."""

from __future__ import annotations

import pytest

from .cli_support import JOURNAL_ERROR, run_cli

STATUSES = {
    "demo": ["0 stopped", "1 the system could not run as told", "2 bad arguments"],
    "top": ["0 stopped by Ctrl-C or SIGTERM", "1 the endpoint", "2 bad arguments"],
    "journal": ["0 printed", "1 the store cannot be read", "2 bad arguments", "3 no events"],
}


@pytest.mark.parametrize("command", sorted(STATUSES))
def test_help_lists_the_exit_statuses(command: str) -> None:
    result = run_cli(command, "--help")
    assert result.returncode == 0
    said = " ".join(result.stdout.split())  # argparse wraps at the terminal's width
    assert "Exit status:" in said
    for status in STATUSES[command]:
        assert status in said


def test_an_id_that_starts_with_a_dash_is_passed_after_two_dashes() -> None:
    """argparse takes `-acct` for a flag and says the id is missing: the help says how."""
    result = run_cli("journal", "--help")
    assert "journal URL -- -id" in " ".join(result.stdout.split())
    missing = run_cli("journal", "sqlite:///none.db", "--", "-acct")
    assert missing.returncode == 1  # the id got through: the store is what is missing
    assert missing.stderr == f"{JOURNAL_ERROR}no SQLite store at none.db\n"
