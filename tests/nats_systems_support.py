"""Actors and a metric reader the NATS tests share that run their systems in this process."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor, ActorSystem


class Unregistered:
    pass


class Custom(Exception):
    pass


class Echo(Actor):
    def __init__(self) -> None:
        self.got: list[Any] = []

    async def receive(self, message: Any) -> Any:
        if message == "got":
            return self.got
        if message == "value-error":
            raise ValueError("bad value", 3)
        if message == "custom":
            raise Custom("mine")
        if message == "unsendable":
            return Unregistered()
        self.got.append(message)
        return ("echo", message)


class Holder(Actor):
    def __init__(self, arrived: asyncio.Event, release: asyncio.Event) -> None:
        self.arrived = arrived
        self.release = release

    async def receive(self, message: Any) -> None:
        self.arrived.set()
        await self.release.wait()


async def metric(system: ActorSystem, series: str) -> float:
    from prometheus_client import generate_latest

    for line in generate_latest(system.metrics.registry).decode().splitlines():
        name, _, value = line.rpartition(" ")
        if name == series:
            return float(value)
    raise AssertionError(f"no series {series}")
