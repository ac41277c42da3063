"""Bad agent history options and paths are refused; too long an id is dropped and logged."""

from __future__ import annotations

from typing import Any

import pytest

from actorkit import ActorSystem
from actorkit.persistence import MemoryStore

from .agent_history_support import LONG_NAME, Nest, dropped

pytestmark = pytest.mark.timeout(60)


@pytest.mark.parametrize(
    ("kwargs", "error", "says"),
    [
        ({"agent_history": 1}, TypeError, "agent_history must be True or False"),
        ({"agent_history": None}, TypeError, "agent_history must be True or False"),
        ({"agent_history": True}, ValueError, "pass store= too"),
    ],
)
def test_bad_options_say_what_to_pass(kwargs: dict[str, Any], error: type, says: str) -> None:
    with pytest.raises(error, match=says):
        ActorSystem("app", **kwargs)


@pytest.mark.parametrize(
    ("path", "error"),
    [
        (42, TypeError),
        ("w", ValueError),
        ("", ValueError),
        ("/a\nb", ValueError),
        ("/" + "x" * 1024, ValueError),
    ],
)
async def test_a_bad_path_is_refused(path: object, error: type) -> None:
    async with ActorSystem("app", store=MemoryStore(), agent_history=True) as system:
        with pytest.raises(error, match="path"):
            await system.agent_history(path)  # type: ignore[arg-type]


async def test_an_agent_whose_history_id_is_too_long_is_dropped_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with ActorSystem("app", store=MemoryStore(), agent_history=True) as system:
        path = await (await system.spawn(Nest, name=LONG_NAME)).ask(4)
        assert len(path) > 1024
        await system.agent_history("/" + LONG_NAME)  # flushes every agent's changes
        assert dropped(system) == 1
        assert "dropped 1 state changes of 1 agents at once" in caplog.text
        with pytest.raises(ValueError, match="at most 1024 characters"):
            await system.agent_history(path)
