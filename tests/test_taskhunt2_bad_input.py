"""Capability sets given as bytes: a bare `b"gpu"` is the bare-str mistake in another type,
and iterated it is a set of ints, so the refusal must name what was passed (API 8, 9)."""

from __future__ import annotations

from typing import Any

import pytest

from actorkit import Actor, ActorSystem


class Plain(Actor):
    async def receive(self, message: Any) -> Any:
        return message


BYTES_LIKE = [b"gpu", bytearray(b"gpu"), memoryview(b"gpu")]


@pytest.mark.parametrize("requires", BYTES_LIKE, ids=["bytes", "bytearray", "memoryview"])
async def test_submit_refuses_bytes_requires_by_naming_them(requires: Any) -> None:
    async with ActorSystem() as system:
        with pytest.raises(TypeError, match=r"requires must be an iterable of strings") as caught:
            await system.submit("x", requires=requires)
        assert "103" not in str(caught.value)  # the ord of "g": nothing the caller wrote
        assert sum(system.tasks.by_status.values()) == 0


@pytest.mark.parametrize("capabilities", BYTES_LIKE, ids=["bytes", "bytearray", "memoryview"])
async def test_spawn_refuses_bytes_capabilities_by_naming_them(capabilities: Any) -> None:
    async with ActorSystem() as system:
        with pytest.raises(TypeError, match=r"capabilities must be an iterable of strings"):
            await system.spawn(Plain, capabilities=capabilities)
        assert system.agents() == []


async def test_a_list_of_byte_strings_is_refused_item_by_item() -> None:
    """Only the bare sequence is read whole: a collection of bytes names the bad item."""
    async with ActorSystem() as system:
        with pytest.raises(TypeError, match=r"non-empty str, got b'gpu'"):
            await system.submit("x", requires=[b"gpu"])  # type: ignore[list-item]
