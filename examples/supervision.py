"""A supervisor heals a crashing child: same ref, same mailbox, fresh state; nothing queued
is lost except the message that crashed it."""

from __future__ import annotations

import logging

import actorkit
from actorkit import Actor, ActorSystem, ChildSpec, OneForOne, Supervisor


class Parser(Actor):
    def __init__(self) -> None:
        self.parsed = 0

    async def on_start(self) -> None:
        print(f"{self.path} started")

    async def receive(self, message: object) -> object:
        if message == "count":
            return self.parsed
        self.parsed += 1
        return int(str(message))  # "oops" raises ValueError: the supervisor restarts us


async def main() -> int:
    async with ActorSystem("supervision") as system:
        await system.spawn(
            Supervisor,
            [ChildSpec(Parser, name="parser")],
            OneForOne(max_restarts=5, within=10.0),
            name="sup",
        )
        parser = system.lookup("/sup/parser")
        assert parser is not None
        for text in ["1", "2", "oops", "3", "4"]:
            parser.tell(text)
        count: int = await parser.ask("count")  # 2: "3" and "4" on the restarted instance
        restarts = system.metrics.registry.get_sample_value(
            "actorkit_actor_restarts_total", {"actor_type": "Parser"}
        )
        print("parsed since the restart:", count, "restarts:", int(restarts or 0))
        return count


if __name__ == "__main__":
    # actorkit's logger has only a NullHandler, as a library's should: show its crash reports.
    logging.basicConfig(format="%(levelname)s %(name)s: %(message)s")
    actorkit.run(main())
