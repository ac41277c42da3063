"""A chat on pub-sub: rooms are topics, members subscribe with wildcards, and a moderator
watches every room with `chat.>`. Nobody holds a list of members; the router does."""

from __future__ import annotations

from typing import Any

import actorkit
from actorkit import Actor, ActorSystem


class Member(Actor):
    def __init__(self, nick: str, rooms: list[str]) -> None:
        self.nick = nick
        self.rooms = rooms
        self.heard: list[str] = []

    async def on_start(self) -> None:
        for room in self.rooms:
            self.subscribe(f"chat.{room}")

    async def receive(self, message: Any) -> Any:
        if message == "heard":
            return list(self.heard)
        sender, room, text = message
        if sender != self.nick:
            self.heard.append(f"[{room}] {sender}: {text}")
        return None


class Moderator(Actor):
    def __init__(self) -> None:
        self.seen = 0

    async def on_start(self) -> None:
        self.subscribe("chat.>")  # every room, present and future

    async def receive(self, message: Any) -> Any:
        if message == "seen":
            return self.seen
        self.seen += 1
        return None


async def main() -> dict[str, Any]:
    async with ActorSystem("chat") as system:
        ada = await system.spawn(Member, "ada", ["general", "math"], name="ada")
        bob = await system.spawn(Member, "bob", ["general"], name="bob")
        mod = await system.spawn(Moderator, name="moderator")
        for room, sender, text in [
            ("general", "ada", "hello all"),
            ("general", "bob", "hi ada"),
            ("math", "ada", "anyone for primes?"),  # only ada and the moderator listen
            ("poetry", "bob", "is this on?"),  # only the moderator
        ]:
            reached = system.publish(f"chat.{room}", (sender, room, text))
            print(f"{sender} -> #{room}: reached {reached}")
        result = {
            "ada": await ada.ask("heard"),
            "bob": await bob.ask("heard"),
            "moderator": await mod.ask("seen"),
        }
        print(result)
        return result


if __name__ == "__main__":
    actorkit.run(main())
