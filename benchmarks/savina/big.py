"""Big: 500 actors, each pinging random peers n times, one ping outstanding at a time.

Each ping is answered with a pong, and the pong sends the next ping, so there are never more
than 500 messages in flight among 500 actors: many actors, little batching. An actor reports
its pongs once its own n pings are answered; it keeps answering its peers after that.
"""

from __future__ import annotations

import random
from typing import Any

from actorkit import Actor

from .._harness import Figures, Stopwatch
from ._common import Done, check, figures, raw_actors, savina, system

ACTORS = 500
PONG = "pong"
GO = "go"


class Peer(Actor):
    def __init__(self, pings: int, seed: int, done: Done) -> None:
        self.left = pings
        self.pongs = 0
        self.random = random.Random(seed)
        self.done = done
        self.peers: list[Any] = []

    async def receive(self, message: Any) -> None:
        if message is PONG:
            self.pongs += 1
            self.ping()
        elif message is GO:
            self.ping()
        elif type(message) is list:
            self.peers = message
        else:
            message.tell(PONG)

    def ping(self) -> None:
        if self.left:
            self.left -= 1
            self.random.choice(self.peers).tell(self.ref)
        else:
            self.done.tell(self.pongs)


async def big(peers: list[Any], done: Done, n: int) -> Figures:
    for peer in peers:
        peer.tell(peers)
    with Stopwatch() as watch:
        for peer in peers:
            peer.tell(GO)
        pongs = await done
    check(pongs, n * ACTORS)
    return figures(2 * n * ACTORS, watch.seconds)


async def big_actorkit(n: int) -> Figures:
    async with system() as actors:
        done = Done(ACTORS)
        peers = [
            await actors.spawn(Peer, n, seed, done, mailbox_size=None) for seed in range(ACTORS)
        ]
        return await big(peers, done, n)


async def big_raw(n: int) -> Figures:
    async with raw_actors() as raw:
        done = Done(ACTORS)
        return await big([raw.spawn(Peer, n, seed, done) for seed in range(ACTORS)], done, n)


BENCHES = [
    savina("savina_big", big_actorkit, big_raw, size=200, quick=2, per_n=2 * ACTORS),
]
