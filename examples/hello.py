"""Hello, actors: spawn one, tell it things, ask it for an answer."""

from __future__ import annotations

import actorkit
from actorkit import Actor, ActorSystem


class Greeter(Actor):
    def __init__(self, greeting: str) -> None:
        self.greeting = greeting
        self.greeted: list[str] = []

    async def receive(self, message: object) -> object:
        if message == "who":
            return list(self.greeted)
        self.greeted.append(str(message))
        return f"{self.greeting}, {message}!"


async def main() -> list[str]:
    async with ActorSystem("hello") as system:
        greeter = await system.spawn(Greeter, "Hello", name="greeter")
        greeter.tell("Ada")  # fire and forget
        print(await greeter.ask("Grace"))  # request-response: "Hello, Grace!"
        greeted: list[str] = await greeter.ask("who")
        print("greeted so far:", greeted)
        return greeted


if __name__ == "__main__":
    actorkit.run(main())
