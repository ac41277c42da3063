"""OTP conformance of restart intensity: what counts as a restart, whose count it is, and
how nested give-ups reach the root (API 3, API 9 "Supervision"). In OTP only restarts are
counted (`add_restart` runs in `do_restart` for a child that is restarted), per supervisor,
once per restart whatever the number of siblings a one_for_all restart touches."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import (
    Actor,
    ActorSystem,
    ChildSpec,
    OneForAll,
    OneForOne,
    Supervisor,
    SupervisorGaveUp,
    SystemFailed,
)
from actorkit.testing import ManualClock, snapshot

from .otp_conformance_support import Quitter, Spawning
from .supervision_support import Refusing, Worker, specs


@pytest.mark.parametrize(
    ("restart", "exit_with"),
    [
        pytest.param("temporary", "crash", id="temporary_failure"),
        pytest.param("temporary", "quit", id="temporary_normal_exit"),
        pytest.param("transient", "quit", id="transient_normal_exit"),
    ],
)
async def test_an_exit_that_is_not_restarted_does_not_count_toward_intensity(
    clock: ManualClock, restart: str, exit_with: str
) -> None:
    """Three such exits under `max_restarts=1` leave the one restart allowed to a
    permanent sibling: the supervisor does not give up (it is not restarted by the root)."""
    journal: list[str] = []
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        sup = await system.spawn(Spawning, [], OneForOne(max_restarts=1, within=10.0))
        for label in ("x", "y", "z"):
            child = await sup.ask(("spawn", Quitter, (journal, label), {"restart": restart}))
            child.tell(exit_with)
            await clock.advance(0)
            assert not child.is_alive
        permanent = await sup.ask(("spawn", Worker, (journal, "p"), {}))
        permanent.tell("crash")
        await clock.advance(0)
        assert await permanent.ask("still here") == "still here"
        assert snapshot(sup).restarts == 0
        assert journal.count("start p") == 2


async def test_intensity_is_the_supervisor_s_across_all_its_children(
    clock: ManualClock,
) -> None:
    """OTP keeps one restart history per supervisor: one failure each of two children is
    two restarts, one past `max_restarts=1`."""
    journal: list[str] = []
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        sup = await system.spawn(
            Supervisor, specs(journal, "a", "b"), OneForOne(max_restarts=1, within=10.0)
        )
        for label in ("a", "b"):
            child = system.lookup(f"{sup.path}/{label}")
            assert child is not None
            child.tell("crash")
            await clock.advance(5.0)
        assert snapshot(sup).restarts == 1  # it gave up, and the root restarted it


async def test_a_one_for_all_restart_counts_once_whatever_it_restarts(
    clock: ManualClock,
) -> None:
    journal: list[str] = []
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        sup = await system.spawn(
            Supervisor, specs(journal, "a", "b", "c"), OneForAll(max_restarts=1, within=10.0)
        )
        a = system.lookup(f"{sup.path}/a")
        assert a is not None
        a.tell("crash")
        await clock.advance(0)
        await sup.ask("sync")
        assert journal.count("start c") == 2
        assert snapshot(sup).restarts == 0


async def test_a_sibling_failing_while_the_group_restart_waits_for_it_is_not_counted_again(
    clock: ManualClock,
) -> None:
    """OTP's supervisor collects the exit of the siblings it terminates: one that crashes
    meanwhile is terminated all the same, with no restart of its own. Here too: the restart
    waits for b's handler, whose failure it ends; `max_restarts=1` is not exceeded."""
    gate = asyncio.Event()
    journal: list[str] = []

    class Slow(Worker):
        async def receive(self, message: Any) -> Any:
            if message == "fail later":
                await gate.wait()
                raise RuntimeError("b failed while the group restarted")
            return await super().receive(message)

    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        sup = await system.spawn(
            Supervisor,
            [ChildSpec(Worker, journal, "a", name="a"), ChildSpec(Slow, journal, "b", name="b")],
            OneForAll(max_restarts=1, within=10.0),
        )
        a, b = system.lookup(f"{sup.path}/a"), system.lookup(f"{sup.path}/b")
        assert a is not None and b is not None
        b.tell("fail later")
        await clock.advance(0)
        a.tell("crash")
        await clock.advance(0)
        gate.set()
        await sup.ask("sync")
        assert journal == ["start a", "start b", "stop b", "stop a", "start a", "start b"]
        assert await b.ask("x") == "x"
        assert snapshot(sup).restarts == 0
        assert snapshot(b).failures == 1


async def test_a_transient_child_whose_on_start_fails_in_its_restart_is_restarted_again(
    clock: ManualClock,
) -> None:
    """A failure in `on_start` of a restart is a failure (OTP: the restart is retried, and
    counted): a transient child is restarted after it as after any failure."""
    journal: list[str] = []
    refusals: list[int] = []
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        sup = await system.spawn(Spawning, [], OneForOne(max_restarts=3, within=10.0))
        child = await sup.ask(("spawn", Refusing, (journal, refusals), {"restart": "transient"}))
        refusals.extend([1, 1])
        child.tell("crash")
        await clock.advance(0)
        await sup.ask("sync")
        assert await child.ask("x") == "x"
        assert journal == ["start a", "a refuses to start", "a refuses to start", "start a"]
        assert snapshot(sup).restarts == 0  # three restarts, as many as allowed


@pytest.mark.parametrize(
    ("last_at", "gives_up"),
    [
        pytest.param(4.0, True, id="inside_the_window"),
        pytest.param(5.0, True, id="exactly_within_after_the_first"),
        pytest.param(5.001, False, id="just_past_the_window"),
    ],
)
async def test_the_restart_one_past_the_limit_gives_up_only_inside_the_window(
    clock: ManualClock, last_at: float, gives_up: bool
) -> None:
    """`max_restarts=3, within=5.0`: three restarts at t=0, 1, 2 are allowed; the fourth
    gives up while the one at t=0 is in its window (OTP: `R >= Now - Period`), and is
    allowed once it has left it."""
    journal: list[str] = []
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        sup = await system.spawn(
            Supervisor, specs(journal, "a"), OneForOne(max_restarts=3, within=5.0)
        )
        a = system.lookup(f"{sup.path}/a")
        assert a is not None
        for at in (0.0, 1.0, 2.0, last_at):
            await clock.advance(at - clock.now())
            a = system.lookup(f"{sup.path}/a")
            assert a is not None
            a.tell("crash")
            await clock.advance(0)
            await sup.ask("sync")
        assert snapshot(sup).restarts == (1 if gives_up else 0)


class Doomed(Actor):
    async def receive(self, message: Any) -> None:
        raise FAILURE


FAILURE = RuntimeError("doomed")


async def test_nested_give_ups_reach_the_root_each_caused_by_the_one_below(
    clock: ManualClock,
) -> None:
    """A supervisor that gives up fails to its parent with `SupervisorGaveUp`, itself a
    failure the parent counts: with no restart allowed anywhere, the chain climbs to the
    root and `SystemFailed` is raised from the outermost give-up, whose causes lead back
    to the child's exception."""
    none = OneForOne(max_restarts=0)
    system = ActorSystem(clock=clock, supervisor=none)
    with pytest.raises(SystemFailed) as raised:
        async with asyncio.timeout(10), system:
            inner = ChildSpec(Supervisor, [ChildSpec(Doomed, name="d")], none, name="inner")
            await system.spawn(Supervisor, [inner], none, name="outer")
            doomed = system.lookup("/outer/inner/d")
            assert doomed is not None
            doomed.tell("go")
            await clock.advance(0)
    outer = system.failure
    assert isinstance(outer, SupervisorGaveUp)
    assert raised.value.__cause__ is outer
    assert "supervisor / gave up: /outer failed" in str(outer), str(outer)
    middle = outer.__cause__
    assert isinstance(middle, SupervisorGaveUp)
    assert "supervisor /outer gave up: /outer/inner failed" in str(middle)
    inner_gave_up = middle.__cause__
    assert isinstance(inner_gave_up, SupervisorGaveUp)
    assert "supervisor /outer/inner gave up: /outer/inner/d failed" in str(inner_gave_up)
    assert inner_gave_up.__cause__ is FAILURE
