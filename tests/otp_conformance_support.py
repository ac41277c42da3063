"""Actors for the OTP conformance tests: a supervisor that spawns children on request, a
worker that stops itself, and a watcher that passes on the `Terminated` it gets."""

from __future__ import annotations

from typing import Any

from actorkit import Actor, ActorRef, Supervisor, Terminated

from .supervision_support import Worker


class Spawning(Supervisor):
    """A `Supervisor` that also starts children while it runs (OTP's `start_child`):
    `("spawn", factory, args, options)` answers with the new child's ref."""

    async def receive(self, message: Any) -> Any:
        if isinstance(message, tuple) and message[0] == "spawn":
            _, factory, args, options = message
            return await self.spawn(factory, *args, **options)
        return message


class Quitter(Worker):
    """A `Worker` that stops itself (a normal exit) on "quit"."""

    async def receive(self, message: Any) -> Any:
        if message == "quit":
            self.stop()
            return None
        return await super().receive(message)


class Watcher(Actor):
    """Watches each ref it is told; passes every `Terminated` on to `probe`."""

    def __init__(self, probe: ActorRef) -> None:
        self.probe = probe

    async def receive(self, message: Any) -> Any:
        if isinstance(message, ActorRef):
            self.watch(message)
        elif isinstance(message, Terminated):
            self.probe.tell(message)
        return message
