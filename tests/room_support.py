"""The rules of a mailbox's room (`actorkit._room`) as one check, for tests that drive
mailboxes through random interleavings: what `limit` must read for the line, the places and
the withdrawn messages it folds in, and what the line may hold."""

from __future__ import annotations

from actorkit._room import UNBOUNDED, Room


def room_problems(box: Room) -> list[str]:
    """The rules `box` breaks now; none is the state any put, wait or close may find."""
    problems = []
    blocked, granted = box.blocked, box.granted
    if blocked is not None and not blocked:
        problems.append("an empty line kept")
    if granted is not None and not granted:
        problems.append("an empty table of granted asks kept")
    if box.reserved < 0 or len(granted or ()) > box.reserved:
        problems.append(f"{box.reserved} places granted, {len(granted or ())} of them asks")
    if box.closed and blocked:
        problems.append("senders waiting at a closed mailbox")
    if any(room.done() and not room.cancelled() for room in blocked or ()):
        problems.append("an answered sender still in the line")
    if blocked or box.closed:
        expected = 0
    elif box.capacity == UNBOUNDED:
        expected = UNBOUNDED
    else:
        expected = box.capacity - box.reserved + len(box.withdrawn or ())
    if box.limit != expected:
        problems.append(f"limit {box.limit}, not {expected}")
    return problems


def settled_room_problems(box: Room) -> list[str]:
    """Once every sender has returned: no place is left granted, nobody is left in line."""
    problems = room_problems(box)
    if box.reserved or box.granted or box.blocked:
        problems.append(f"left behind: {box.reserved} places, line {box.blocked}")
    return problems
