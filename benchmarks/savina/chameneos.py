"""Chameneos: 100 creatures meet in pairs at a mall, n meetings in all.

A creature asks the mall for a meeting; the mall pairs it with the creature waiting there
(or makes it wait), tells the first of the two who its partner is, and that one tells the
partner its new colour (the complement of the two); both go back to the mall. Four messages
a meeting, all through one busy actor. Once n meetings are made the mall sends every
creature home, and each reports how many meetings it took part in: 2n in all.
"""

from __future__ import annotations

from typing import Any

from actorkit import Actor

from .._harness import Figures, Stopwatch
from ._common import Done, check, figures, raw_actors, savina, system

CREATURES = 100
EXIT = "exit"
START = "start"


class Meet:
    __slots__ = ("colour", "creature")

    def __init__(self, creature: Any, colour: int) -> None:
        self.creature = creature
        self.colour = colour


def complement(one: int, other: int) -> int:
    return one if one == other else 3 - one - other


class Mall(Actor):
    def __init__(self, meetings: int, done: Done) -> None:
        self.left = meetings
        self.waiting: Meet | None = None
        self.done = done

    async def receive(self, message: Any) -> None:
        if type(message) is int:
            self.done.tell(message)
        elif self.left == 0:
            message.creature.tell(EXIT)
        elif self.waiting is None:
            self.waiting = message
        else:
            self.left -= 1
            self.waiting.creature.tell(message)
            self.waiting = None


class Creature(Actor):
    def __init__(self, mall: Any, colour: int) -> None:
        self.mall = mall
        self.colour = colour
        self.meetings = 0

    async def receive(self, message: Any) -> None:
        if type(message) is Meet:
            self.colour = complement(self.colour, message.colour)
            message.creature.tell(self.colour)
        elif type(message) is int:
            self.colour = message
        elif message is EXIT:
            self.mall.tell(self.meetings)
            return
        if message is not START:
            self.meetings += 1
        self.mall.tell(Meet(self.ref, self.colour))


async def chameneos(creatures: list[Any], done: Done, n: int) -> Figures:
    with Stopwatch() as watch:
        for creature in creatures:
            creature.tell(START)
        total = await done
    check(total, 2 * n)
    return figures(4 * n, watch.seconds)


async def chameneos_actorkit(n: int) -> Figures:
    async with system() as actors:
        done = Done(CREATURES)
        mall = await actors.spawn(Mall, n, done, mailbox_size=None)
        creatures = [
            await actors.spawn(Creature, mall, i % 3, mailbox_size=None) for i in range(CREATURES)
        ]
        return await chameneos(creatures, done, n)


async def chameneos_raw(n: int) -> Figures:
    async with raw_actors() as raw:
        done = Done(CREATURES)
        mall = raw.spawn(Mall, n, done)
        creatures = [raw.spawn(Creature, mall, i % 3) for i in range(CREATURES)]
        return await chameneos(creatures, done, n)


BENCHES = [
    savina(
        "savina_chameneos", chameneos_actorkit, chameneos_raw, size=100_000, quick=1_000, per_n=4
    ),
]
