"""What the tests of docs/api.md's promises share (`tests/test_docs_promises_core_*.py`,
`tests/test_docs_promises_semantics_*.py`): their time bound, an actor that answers with what
it is sent, and an agent that fails on "crash"."""

from __future__ import annotations

from typing import Any

from actorkit import Actor

BOUND = 5.0


class Echo(Actor):
    async def receive(self, message: Any) -> Any:
        return message


class Agent(Actor):
    capabilities = ("work",)

    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise RuntimeError("crash on purpose")
        return message
