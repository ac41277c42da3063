"""Per-user sessions spawned on demand (Orleans grains, Akka entities): a user's first request
spawns its session actor, each request is an ask that starts its idle timer again, and the
session stops itself once idle. The baseline is the hand-written equivalent: a dict of
sessions, each a task on an `asyncio.Queue` with a `call_later` idle timer.

Both sides serve the same visits: `CLIENTS` clients take users in turn from a sweep over
`USERS` (so a user comes back only after every other, long after its session went idle) and
send each `REQUESTS` requests, the first of which spawns. The work per visit is then the same
on both sides whatever their speed (a spawn, `REQUESTS` asks, an idle stop), where users drawn
at random would come back sooner to the faster side, to a session still alive. As in a real
application, the actorkit side keeps its refs by user, stopped ones included, until replaced:
a stopped actor's ref is what a user holds.

Much of both sides' time is the garbage collector's: its full passes, set off by the
allocations of spawning, walk every live session, every ref kept, and whatever a stopped
actor left in a cycle."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

from actorkit import Actor, ActorStopped, ActorSystem, NameTaken

from ._harness import Bench, Figures, Metric, Stopwatch

USERS = 20_000
CLIENTS = 32
REQUESTS = 1
IDLE = 0.2
"""Seconds a session waits for its next request; a sweep over `USERS` takes longer."""


class Session(Actor):
    def __init__(self) -> None:
        self.hits = 0

    async def on_start(self) -> None:
        self.timers.start_once("idle", "idle", IDLE)

    async def receive(self, message: Any) -> int | None:
        if message == "idle":
            self.stop()
            return None
        self.hits += 1
        self.timers.start_once("idle", "idle", IDLE)
        return self.hits


class Sessions:
    def __init__(self, system: ActorSystem) -> None:
        self.system = system
        self.refs: dict[int, Any] = {}
        self.spawns = 0

    async def request(self, user: int) -> int:
        while True:
            ref = self.refs.get(user)
            if ref is None or not ref.is_alive:
                try:
                    ref = await self.system.spawn(Session, name=f"u{user}", restart="transient")
                except NameTaken:  # its predecessor is still stopping
                    await asyncio.sleep(0)
                    continue
                self.spawns += 1
                self.refs[user] = ref
            try:
                hits: int = await ref.ask("hit", timeout=2.0)
                return hits
            except ActorStopped:  # went idle as this request came
                self.refs.pop(user, None)


class RawSession:
    def __init__(self, app: RawSessions, user: int) -> None:
        self.app, self.user, self.hits, self.alive = app, user, 0, True
        self.queue: asyncio.Queue[tuple[str, asyncio.Future[int] | None]] = asyncio.Queue()
        self.task = asyncio.get_running_loop().create_task(self.run())
        self.timer: asyncio.TimerHandle | None = None
        self.arm()

    def arm(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
        self.timer = asyncio.get_running_loop().call_later(
            IDLE, self.queue.put_nowait, ("idle", None)
        )

    async def run(self) -> None:
        while True:
            message, future = await self.queue.get()
            if message == "idle":
                self.alive = False
                self.app.sessions.pop(self.user, None)
                while not self.queue.empty():
                    _, left = self.queue.get_nowait()
                    if left is not None:
                        left.set_exception(ActorStopped("stopped"))
                return
            assert future is not None
            self.hits += 1
            self.arm()
            future.set_result(self.hits)


class RawSessions:
    def __init__(self) -> None:
        self.sessions: dict[int, RawSession] = {}
        self.spawns = 0

    async def request(self, user: int) -> int:
        loop = asyncio.get_running_loop()
        while True:
            session = self.sessions.get(user)
            if session is None or not session.alive:
                session = self.sessions[user] = RawSession(self, user)
                self.spawns += 1
            future: asyncio.Future[int] = loop.create_future()
            session.queue.put_nowait(("hit", future))
            try:
                return await asyncio.wait_for(future, 2.0)
            except ActorStopped:
                pass

    def close(self) -> None:
        for session in self.sessions.values():
            session.task.cancel()
            if session.timer is not None:
                session.timer.cancel()


async def visit(app: Sessions | RawSessions, visits: int) -> float:
    """Serve `visits` visits; the seconds until the last reply."""
    users = itertools.count()

    async def client() -> None:
        while (taken := next(users)) < visits:
            user = taken % USERS
            for _ in range(REQUESTS):
                await app.request(user)

    with Stopwatch() as serving:
        await asyncio.gather(*(client() for _ in range(CLIENTS)))
    assert app.spawns >= visits  # more only if a session went idle inside a visit
    return serving.seconds


async def actorkit_sessions(n: int) -> Figures:
    async with ActorSystem("bench") as system:
        seconds = await visit(Sessions(system), n)
    return {"rate": n * REQUESTS / seconds}


async def raw_sessions(n: int) -> Figures:
    app = RawSessions()
    seconds = await visit(app, n)
    app.close()
    return {"rate": n * REQUESTS / seconds}


BENCHES = [
    Bench(
        "sessions",
        actorkit_sessions,
        raw_sessions,
        (Metric("rate", "requests/s", target=0.5),),
        size=40_000,
        quick_size=5_000,
        per_n=REQUESTS,
    ),
]
