"""A supervisor's cut (API 9, "Supervision") that meets a child's failed control signal
(`_signal_failure.signal_failed`), whose cleanup (its children, then its `on_stop`) is running:
the supervisor's wait for that cleanup keeps to the strategy's `shutdown`, and past it the
cut carries out what the supervisor decided, as for any instance it cuts. The failure of
the transition is the cut instance's, logged and counted once, decided on by nobody."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from actorkit import ActorSystem, OneForAll, _supervise
from actorkit._lifecycle import Lifecycle
from actorkit.testing import snapshot

from .invariants import TaskSnapshot, assert_settled
from .metrics_truth_support import scraped, total
from .supervision_cut_support import BOUND, HangingOnStop, _hung, _pair
from .supervision_support import Worker


class Hangs(HangingOnStop):
    """Its first `on_stop` never returns (`hangs`, set per test)."""


class B(HangingOnStop):
    """A `HangingOnStop` with a child "g" of its own, whose failure is its to decide on."""

    async def on_start(self) -> None:
        await super().on_start()
        await self.spawn(Worker, self.journal, "g", name="g")


def reports(caplog: pytest.LogCaptureFixture, path: str) -> list[str]:
    return [r.directive for r in caplog.records if getattr(r, "actor_path", "") == path]  # type: ignore[attr-defined]


async def test_a_cut_into_a_failed_signal_s_cleanup_restarts_the_child(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """`b` fails deciding on its child's failure: its cleanup stops that child, then hangs in
    `on_stop`. Its sibling fails meanwhile, and the one_for_all restart cuts `b` past the
    bound: `b` restarts (same cell), rather than closing as an actor whose cleanup failed."""
    supervise = _supervise.supervise

    async def faulty(parent: Any, report: Any) -> None:
        if parent.name == "b":
            raise RuntimeError("a fault deciding on g")
        await supervise(parent, report)

    monkeypatch.setattr(_supervise, "supervise", faulty)
    B.hangs = 1
    journal: list[str] = []
    tasks = TaskSnapshot()
    async with asyncio.timeout(5), ActorSystem() as system:
        sup, a, b = await _pair(system, journal, B, OneForAll(shutdown=BOUND))
        g = system.lookup(f"{b.path}/g")
        assert g is not None
        g.tell("crash")
        await _hung(journal, "stop b")  # `b`'s cleanup: `g` stopped, its `on_stop` hangs
        a.tell("crash")
        assert await a.ask("handled") == 0
        assert await b.ask("handled") == 0  # a new instance, on the same cell
        assert system.lookup(f"{sup.path}/b") == b and snapshot(b).restarts == 1
        assert journal[-3:] == ["start a", "start b", "start g"]
        failures = total(scraped(system), "actorkit_actor_failures_total", actor_type="B")
        assert failures == 1  # its signal's failure, once: the cut reached no handler
        await assert_settled(system)
    assert reports(caplog, f"{sup.path}/b") == ["restart (cut by its supervisor's shutdown time)"]
    await tasks.assert_no_leaks()


async def test_a_failed_restart_s_cleanup_is_waited_for_within_the_bound(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The restart's stop of `b` raises, and the cleanup after it hangs in `on_stop`: the
    supervisor waits for that cleanup as for any `on_stop` it stops, within the bound, then
    cuts it and goes on, `b` restarted; not held up for ever waiting to start `b` again."""
    faults = [RuntimeError("a fault in a restart")]
    begin = Lifecycle.begin_restart

    def faulty(self: Lifecycle) -> None:
        if faults and self.name == "b":
            raise faults.pop()
        begin(self)

    monkeypatch.setattr(Lifecycle, "begin_restart", faulty)
    Hangs.hangs = 1
    journal: list[str] = []
    tasks = TaskSnapshot()
    with caplog.at_level(logging.WARNING, logger="actorkit"):
        async with asyncio.timeout(5), ActorSystem() as system:
            sup, a, b = await _pair(system, journal, Hangs, OneForAll(shutdown=BOUND))
            a.tell("crash")
            assert await a.ask("handled") == 0  # restarted once `b` was cut
            assert await b.ask("handled") == 0  # a new instance, on the same cell
            assert not faults and Hangs.hangs == 0
            assert journal == ["start a", "start b", "stop b", "stop a", "start a", "start b"]
            assert snapshot(b).restarts == 1
            assert total(scraped(system), "actorkit_actor_failures_total", actor_type="Hangs") == 1
            await assert_settled(system)
    assert reports(caplog, f"{sup.path}/b") == ["restart (cut by its supervisor's shutdown time)"]
    assert "ran past its supervisor's shutdown time" in caplog.text
    await tasks.assert_no_leaks()
