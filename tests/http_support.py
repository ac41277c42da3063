"""Actors and a client the HTTP endpoint tests share."""

from __future__ import annotations

from typing import Any

import aiohttp

from actorkit import Actor


class Echo(Actor):
    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise ValueError("crash on purpose")
        return message


async def fetch(url: str, **kwargs: Any) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url, **kwargs) as response:
        return response.status, await response.text()


class Idle(Actor):
    async def receive(self, message: Any) -> None:
        pass
