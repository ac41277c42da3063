"""`system.lookup` and `system.ask` by path: a live actor's path is found without checking
it again, and what is not found is checked as before, each refusal in its order."""

from __future__ import annotations

import asyncio

import pytest

from actorkit import Actor, ActorSystem, NotDelivered, _reach


class Echo(Actor):
    async def receive(self, message: object) -> object:
        return message


def _refuse(path: object) -> str:
    raise AssertionError(f"check_actor_path({path!r}) called for a registered path")


async def test_a_live_path_is_not_checked_again(monkeypatch: pytest.MonkeyPatch) -> None:
    async with asyncio.timeout(10), ActorSystem("reach") as system:
        ref = await system.spawn(Echo, name="echo")
        child = await system.spawn(Echo, name="parent")
        monkeypatch.setattr(_reach, "check_actor_path", _refuse)
        assert system.lookup("/echo") is ref
        assert await system.ask("/echo", 7) == 7
        assert system.lookup(child.path) is child


class Path(str):
    def __hash__(self) -> int:
        raise AssertionError("a str subclass's __hash__ ran in the registry")


async def test_what_is_not_found_is_checked_as_before() -> None:
    async with asyncio.timeout(10), ActorSystem("reach") as system:
        ref = await system.spawn(Echo, name="echo")
        assert system.lookup(Path("/echo")) is ref
        assert await system.ask(Path("/echo"), 1) == 1
        assert system.lookup("/nobody") is None
        with pytest.raises(ValueError, match="actor path"):
            system.lookup("echo")
        with pytest.raises(TypeError, match="path must be a str"):
            system.lookup(b"/echo")  # type: ignore[arg-type]
        with pytest.raises(NotDelivered, match="no actor at '/nobody'"):
            await system.ask("/nobody", 1)
        # The timeout is refused first, found or not.
        for path in ("/echo", "/nobody", "echo"):
            with pytest.raises(ValueError, match="ask timeout must be > 0"):
                await system.ask(path, 1, timeout=-1.0)
        await ref.stop()
        assert system.lookup("/echo") is None
        with pytest.raises(NotDelivered):
            await system.ask("/echo", 1)
