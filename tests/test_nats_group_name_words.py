"""A group name refused by `remote_group` or `expose` is refused in the words of the whole rule
(docs/distributed.md: one NATS subject token of ASCII letters, digits, `_` and `-`), whichever
part of it the name breaks: told only "without spaces, '.', '*', '/' or '>'" for `a.b`, a user
who tried `a#b` next was refused again, in other words."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from actorkit import Actor, ActorSystem

from .nats_support import SAFETY, NatsServer, requires_nats, transport

pytestmark = requires_nats

RULE = "1 to 255 ASCII letters, digits, '_' or '-'"


class Idle(Actor):
    async def receive(self, message: object) -> None:
        return None


@pytest.mark.parametrize(
    "group", ["a.b", "a b", "a*b", "a>b", "a/b", "a#b", "équipe", "", "x" * 256]
)
async def test_every_refused_group_name_is_told_the_whole_rule(
    server: NatsServer, group: str
) -> None:
    async with asyncio.timeout(SAFETY), ActorSystem("words", transport=transport(server)) as s:
        ref = await s.spawn(Idle, name="idle")
        calls: tuple[Callable[[], object], ...] = (
            lambda: s.remote_group(group),
            lambda: s.expose(ref, group=group),
        )
        for call in calls:
            with pytest.raises(ValueError, match=RULE):
                call()
        # The name the rule allows at its longest is taken.
        s.remote_group("x" * 255)
