"""The memory a SQL store's group commit keeps for the journals it wrote is bounded, and the
bound docs/persistence.md gives (an operator sizes a process by it) is the one the code uses."""

from __future__ import annotations

from pathlib import Path

from actorkit._persistence_id import MAX_PERSISTENCE_ID
from actorkit.persistence._group_commit import KNOWN_HEADS

DOCS = Path(__file__).resolve().parent.parent / "docs" / "persistence.md"


def test_the_documented_number_of_remembered_journals_is_the_codes() -> None:
    text = " ".join(DOCS.read_text(encoding="utf-8").split())
    assert f"it remembers the {KNOWN_HEADS:,} it wrote last" in text
    assert f"with ids of {MAX_PERSISTENCE_ID:,} bytes, the longest" in text
