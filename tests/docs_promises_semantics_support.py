"""What the tests of docs/api.md section 9 ("Precise semantics") share
(`tests/test_docs_promises_semantics_*.py`): their time bound and an agent that fails on
"crash"."""

from __future__ import annotations

from typing import Any

from actorkit import Actor

BOUND = 5.0


class Agent(Actor):
    capabilities = ("work",)

    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise RuntimeError("crash on purpose")
        return message
