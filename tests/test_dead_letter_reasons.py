"""Every dead-letter reason the runtime can record (`Reason`, to which mypy holds each
recording site) is listed, once, wherever a user looks them up: a reason left out is one an
alert on dead letters never hears of. And `recent` is what docs/api.md says it is."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, get_args

import pytest

from actorkit import Actor, ActorSystem, DeadLetters
from actorkit._dead_letters import Reason, TransportReason

ROOT = Path(__file__).resolve().parent.parent
ITEM = re.compile(r"^\s*- `([a-z_]+)`(?: \(NATS\))?:", re.M)
"""A list item that names a reason: "- `stopped`: ..." or "- `bad_topic` (NATS): ..."."""

PLACES: dict[str, tuple[str, str, Any]] = {
    "README.md": ("## Dead letters\n", "\n## ", Reason),
    "docs/observability.md": ("label of `actorkit_dead_letters_total`", "Decisions:", Reason),
    "docs/distributed.md": ("nothing is dropped silently", "\n## ", TransportReason),
}


@pytest.mark.parametrize("path", PLACES)
def test_each_reason_is_listed_once_in_the_docs(path: str) -> None:
    start, end, reasons = PLACES[path]
    text = (ROOT / path).read_text()
    assert start in text
    listed = ITEM.findall(text.split(start, 1)[1].split(end, 1)[0])
    assert sorted(listed) == sorted(get_args(reasons))


def test_each_reason_is_listed_once_in_the_docstring() -> None:
    assert sorted(ITEM.findall(DeadLetters.__doc__ or "")) == sorted(get_args(Reason))


class Gone(Actor):
    pass


async def test_recent_is_a_new_list_of_the_last_1000_oldest_first() -> None:
    """docs/api.md: a new `list` at each access, so it slices, and holds still while a
    caller iterates across an await."""
    async with ActorSystem("recent") as system:
        ref = await system.spawn(Gone)
        await ref.stop()
        for number in range(1001):
            ref.tell(number)
        recent = system.dead_letters.recent
        assert type(recent) is list and recent is not system.dead_letters.recent
        assert [letter.message for letter in recent[:2]] == [1, 2]
        assert len(recent) == 1000 and recent[-1].message == 1000
        ref.tell("later")
        assert recent[-1].message == 1000
