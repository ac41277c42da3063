"""A strategy's `shutdown` time bounds every wait of a supervisor for a child instance it stops,
as an OTP child spec's `shutdown` does: a restart's (one_for_all, rest_for_one, one_for_one),
a give-up's and a decider's "stop"; past it the child's handler or `on_stop` is cut and the
supervisor goes on (API 9, "Supervision")."""

from __future__ import annotations

import asyncio
import logging

import pytest

from actorkit import (
    ActorStopped,
    ActorSystem,
    ChildSpec,
    OneForAll,
    OneForOne,
    RestForOne,
    Supervisor,
    Terminated,
)
from actorkit.testing import Probe, snapshot

from .otp_conformance_support import Watcher
from .supervision_cut_support import (
    BOUND,
    Hanging,
    HangingOnStop,
    _children,
    _cut_while_hanging,
    _hung,
    _pair,
)
from .supervision_support import Worker


async def test_a_one_for_all_restart_cuts_a_sibling_s_handler_past_the_shutdown_time(
    caplog: pytest.LogCaptureFixture,
) -> None:
    journal: list[str] = []
    async with asyncio.timeout(5), ActorSystem() as system:
        sup, a, b = await _pair(system, journal, Hanging, OneForAll(shutdown=BOUND))
        cut = asyncio.create_task(b.ask("hang"))
        await _hung(journal, "hangs b")
        queued = [asyncio.create_task(b.ask(n)) for n in range(3)]
        await asyncio.sleep(0)
        with caplog.at_level(logging.WARNING, logger="actorkit"):
            a.tell("crash")
            with pytest.raises(ActorStopped, match="shutdown time"):
                await cut
            assert [await ask for ask in queued] == [0, 1, 2]  # by the new instance
        assert await b.ask("handled") == 3
        assert journal == ["start a", "start b", "hangs b", "stop a", "start a", "start b"]
        assert await b.ask("time out inside") == "timed out"
        assert system.lookup(f"{sup.path}/b") == b  # the same cell, restarted
        assert snapshot(b).restarts == 1
        accounting = snapshot(b).accounting
        assert accounting.balanced and accounting.crashed == 1
        cuts = [r for r in caplog.records if "shutdown time" in r.getMessage()]
        assert [r.levelno for r in cuts if r.levelno == logging.WARNING] == [logging.WARNING]
        assert f"{sup.path}/b" in cuts[0].getMessage() and "0.05" in cuts[0].getMessage()


async def test_a_hanging_on_stop_of_a_sibling_is_cut_and_the_restart_goes_on() -> None:
    journal: list[str] = []
    HangingOnStop.hangs = 1
    async with asyncio.timeout(5), ActorSystem() as system:
        _sup, a, b = await _pair(system, journal, HangingOnStop, OneForAll(shutdown=BOUND))
        assert await b.ask(1) == 1
        a.tell("crash")
        assert await a.ask("handled") == 0  # once restarted, b was stopped before it
        assert await b.ask("handled") == 0  # a new instance
        assert HangingOnStop.hangs == 0
        assert journal == ["start a", "start b", "stop b", "stop a", "start a", "start b"]


async def test_rest_for_one_cuts_only_the_children_after_the_failed_one() -> None:
    journal: list[str] = []
    async with asyncio.timeout(5), ActorSystem() as system:
        sup = await system.spawn(
            Supervisor,
            [
                ChildSpec(Worker, journal, "a", name="a"),
                ChildSpec(Worker, journal, "b", name="b"),
                ChildSpec(Hanging, journal, "c", name="c"),
            ],
            RestForOne(shutdown=BOUND),
        )
        a, b, c = await _children(system, sup, "a", "b", "c")
        assert await a.ask(7) == 7
        cut = asyncio.create_task(c.ask("hang"))
        await _hung(journal, "hangs c")
        b.tell("crash")
        with pytest.raises(ActorStopped, match="shutdown time"):
            await cut
        assert await c.ask("handled") == 0
        assert await a.ask("handled") == 1  # untouched
        assert journal == [
            "start a",
            "start b",
            "start c",
            "hangs c",
            "stop b",
            "start b",
            "start c",
        ]


async def test_one_for_one_cuts_the_failed_child_s_own_hanging_on_stop() -> None:
    journal: list[str] = []
    HangingOnStop.hangs = 1
    async with asyncio.timeout(5), ActorSystem() as system:
        sup = await system.spawn(
            Supervisor, [ChildSpec(HangingOnStop, journal, "a", name="a")], OneForOne(shutdown=0.05)
        )
        (a,) = await _children(system, sup, "a")
        a.tell("crash")
        assert await a.ask("handled") == 0
        assert journal == ["start a", "stop a", "start a"]
        assert snapshot(a).accounting.balanced


async def test_a_give_up_cuts_a_hanging_child_and_the_supervisor_fails() -> None:
    journal: list[str] = []
    async with asyncio.timeout(5), ActorSystem() as system:
        probe = await Probe.spawn(system)
        watcher = await system.spawn(Watcher, probe.ref)
        _sup, a, b = await _pair(
            system, journal, Hanging, OneForOne(max_restarts=0, shutdown=BOUND)
        )
        await watcher.ask(b)
        await _cut_while_hanging(journal, a, b)
        ended = await probe.receive()
        assert isinstance(ended, Terminated) and ended.ref == b
        assert ended.reason is None  # stopped by its supervisor: it did not fail
        assert "stop b" not in journal  # cut: its on_stop never ran
        assert "stop a" in journal


async def test_a_decider_stop_cuts_a_hanging_on_stop_and_the_supervisor_goes_on() -> None:
    journal: list[str] = []
    HangingOnStop.hangs = 1
    async with asyncio.timeout(5), ActorSystem() as system:
        probe = await Probe.spawn(system)
        watcher = await system.spawn(Watcher, probe.ref)
        sup = await system.spawn(
            Supervisor,
            [
                ChildSpec(HangingOnStop, journal, "a", name="a"),
                ChildSpec(Worker, journal, "b", name="b"),
            ],
            OneForOne(decider={ValueError: "stop"}, shutdown=BOUND),
        )
        a, b = await _children(system, sup, "a", "b")
        await watcher.ask(a)
        a.tell(ValueError("stop it"))
        ended = await probe.receive()
        assert isinstance(ended, Terminated) and ended.ref == a
        assert isinstance(ended.reason, ValueError)
        assert await b.ask(5) == 5
        assert system.lookup(f"{sup.path}/a") is None
        assert journal == ["start a", "start b", "stop a"]
