"""The group commit's first try at a batch of appends: inserted without reading anything, the
primary key and each row's own expectation being the whole check. A refusal (a stale writer,
or a race with another process) raises `Recheck`, and the batch is redone the careful way
(`_checked_writes`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._batch import Recheck

if TYPE_CHECKING:
    from ._batch import Transaction, Write

Known = list[tuple[str, int, float, bytes]]
Checked = list[tuple[str, int, float, bytes, int]]


def optimistic_rows(
    appends: list[Write[Any]], now: float, heads: dict[str, int]
) -> tuple[Known, Checked]:
    """The primary key refuses a row whose sequence number exists. For a journal whose
    latest number the store knows (or a new one), that is the whole check: its rows go in
    with a plain insert (`known`). A row of another journal carries its append's expected
    number and is inserted only where that event exists (`checked`). Since a journal has no
    gaps, the two mean "the latest is the expected one". Two appends to one journal in a
    batch take the careful path."""
    if len({write.persistence_id for write in appends}) != len(appends):
        raise Recheck
    known: Known = []
    checked: Checked = []
    for write in appends:
        pid, expected, payloads = write.persistence_id, write.expected, write.payloads
        write.outcome = now  # read only once the batch committed
        if not expected or heads.get(pid) == expected:
            if len(payloads) == 1:
                known.append((pid, expected + 1, now, payloads[0]))
            else:
                known += [(pid, expected + n, now, p) for n, p in enumerate(payloads, 1)]
        else:
            checked += [(pid, expected + n, now, p, expected) for n, p in enumerate(payloads, 1)]
    return known, checked


async def insert_optimistic(tx: Transaction, known: Known, checked: Checked) -> None:
    """Any refusal sends the batch to the careful path."""
    if known:
        await tx.insert_events(known)
    if checked and await tx.insert_if_latest(checked) != len(checked):
        raise Recheck
