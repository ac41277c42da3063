"""An actor class that also names a `typing.Protocol` it implements: the Protocol's `__init__`
is a placeholder (typing's, or typing_extensions') that drops whatever it is given, as
`object.__init__` would, so arguments reaching it are refused as those reaching `object`'s
are. They were dropped unseen: `spawn(A, 1)` of a class without `__init__`, and an `__init__`
that passes its arguments up with `super().__init__(x)`."""

from __future__ import annotations

from typing import Any, Protocol

import pytest

from actorkit import Actor, ActorSystem


class Sized(Protocol):
    def size(self) -> int: ...


class NoInit(Actor, Sized):
    def size(self) -> int:
        return 0


class PassesUp(Actor, Sized):
    def __init__(self, size: int) -> None:
        super().__init__(size)

    def size(self) -> int:
        return 0


class Base:
    def __init__(self, size: int) -> None:
        self.kept = size


class BaseAfter(Actor, Sized, Base):  # the placeholder, before Base, passes nothing on
    def size(self) -> int:
        return 0


class Kept(Actor, Sized):
    def __init__(self, size: int) -> None:
        super().__init__()
        self.kept = size

    def size(self) -> int:
        return self.kept

    async def receive(self, message: Any) -> Any:
        return self.size()


async def test_arguments_to_an_actor_without_init_beside_a_protocol_are_refused() -> None:
    async with ActorSystem("protocols") as system:
        with pytest.raises(TypeError, match=r"takes no arguments \(it defines no __init__\)"):
            await system.spawn(NoInit, 1)
        with pytest.raises(TypeError, match=r"takes no arguments \(it defines no __init__\)"):
            await system.spawn(BaseAfter, 1)
        assert system.actor_count == 0


async def test_so_are_those_beside_a_typing_extensions_protocol() -> None:
    extensions = pytest.importorskip("typing_extensions")  # its own Protocol before 3.12

    class SizedToo(extensions.Protocol):  # type: ignore[misc, name-defined]
        def size(self) -> int:
            return 0

    class NoInitToo(Actor, SizedToo):
        def size(self) -> int:
            return 0

    async with ActorSystem("protocols") as system:
        with pytest.raises(TypeError, match=r"takes no arguments \(it defines no __init__\)"):
            await system.spawn(NoInitToo, 1)


async def test_arguments_passed_up_past_a_protocol_are_refused() -> None:
    async with ActorSystem("protocols") as system:
        with pytest.raises(TypeError, match=r"call super\(\)\.__init__\(\) without arguments"):
            await system.spawn(PassesUp, 1)
        assert system.actor_count == 0
        assert await (await system.spawn(Kept, 3)).ask("size") == 3
