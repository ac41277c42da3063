"""A `Probe()` made without `Probe.spawn` has no actor, so nothing can ever reach it:
`receive` and `expect` on it say so at once, as `probe.ref` does, rather than wait out their
timeout and then report that nothing came (Akka's `TestProbe()` is made by its constructor,
so a user from there writes `Probe()` first)."""

from __future__ import annotations

import asyncio

import pytest

from actorkit.testing import Probe


async def test_receive_on_a_probe_made_without_spawn_says_how_to_make_one_at_once() -> None:
    async with asyncio.timeout(1.0):  # well inside the 5 s it would wait out
        with pytest.raises(RuntimeError, match=r"await Probe\.spawn\(system\)"):
            await Probe().receive(timeout=5.0)


async def test_expect_on_a_probe_made_without_spawn_says_how_to_make_one_at_once() -> None:
    async with asyncio.timeout(1.0):
        with pytest.raises(RuntimeError, match=r"await Probe\.spawn\(system\)"):
            await Probe().expect("ping", timeout=5.0)


async def test_bad_arguments_are_still_refused_first() -> None:
    with pytest.raises(ValueError, match="timeout"):
        await Probe().receive(timeout=0)
    with pytest.raises(TypeError, match="list"):
        await Probe().expect(list[int])
