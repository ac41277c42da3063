"""A restart keeps the ref and mailbox; restart types; self-stops racing restarts (API 3)."""

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
    RestForOne,
    Supervisor,
    Terminated,
)
from actorkit.testing import ManualClock, Probe, snapshot

from .supervision_support import Worker


async def test_restart_keeps_ref_and_mailbox_and_drops_only_the_failing_message() -> None:
    journal: list[str] = []
    async with ActorSystem() as system:
        ref = await system.spawn(Worker, journal, "w", name="w")
        messages: list[Any] = [1, 2, "crash", 4, 5, 6, 7, 8, 9, 10]
        for message in messages:
            ref.tell(message)
        # The crash on the 3rd message loses none of the other 9: two before the restart,
        # seven after it on the fresh instance, all through the same ref and mailbox.
        assert await ref.ask("handled") == 7
        assert journal == ["start w", "stop w", "start w"]
        assert system.lookup("/w") == ref
        actor = snapshot(ref)
        assert actor.accounting.processed == 9 + 1 and actor.failures == 1 and actor.restarts == 1


async def test_exception_reaches_asker_and_supervisor() -> None:
    journal: list[str] = []
    async with ActorSystem() as system:
        ref = await system.spawn(Worker, journal, "w")
        with pytest.raises(RuntimeError, match="w crashed"):
            await ref.ask("crash")
        await ref.ask("sync")  # queued behind the restart: a suspended actor takes no messages
        assert journal == ["start w", "stop w", "start w"]


async def test_crash_report_is_logged_with_path_class_message_type_and_decision(
    caplog: pytest.LogCaptureFixture,
) -> None:
    journal: list[str] = []
    async with ActorSystem() as system:
        ref = await system.spawn(Worker, journal, "w", name="logged")
        with pytest.raises(RuntimeError):
            await ref.ask("crash")
    records = [r for r in caplog.records if r.name == "actorkit" and "failed handling" in r.message]
    assert len(records) == 1
    record = records[0]
    assert record.actor_path == "/logged"  # type: ignore[attr-defined]
    assert record.actor_class == "Worker"  # type: ignore[attr-defined]
    assert record.message_type == "str"  # type: ignore[attr-defined]
    assert record.directive == "restart"  # type: ignore[attr-defined]
    assert record.exc_info is not None


async def test_temporary_children_are_never_restarted_even_by_a_sibling() -> None:
    journal: list[str] = []
    async with ActorSystem() as system:
        children = [
            ChildSpec(Worker, journal, "a", name="a"),
            ChildSpec(Worker, journal, "t", name="t", restart="temporary"),
        ]
        await system.spawn(Supervisor, children, OneForAll(), name="sup")
        a, t = system.lookup("/sup/a"), system.lookup("/sup/t")
        assert a is not None and t is not None
        a.tell("crash")
        await a.ask("sync")
        assert not t.is_alive
        assert system.lookup("/sup/t") is None


async def test_transient_child_is_restarted_after_failure_but_not_after_normal_stop() -> None:
    class Quitter(Worker):
        async def receive(self, message: Any) -> Any:
            if message == "quit":
                self.stop()
                return None
            return await super().receive(message)

    journal: list[str] = []
    async with ActorSystem() as system:
        ref = await system.spawn(Quitter, journal, "q", restart="transient")
        with pytest.raises(RuntimeError):
            await ref.ask("crash")
        assert ref.is_alive
        await ref.ask("quit")
        probe = await Probe.spawn(system)

        class Watcher(Actor):
            async def on_start(self) -> None:
                self.watch(ref)

            async def receive(self, message: Any) -> None:
                probe.ref.tell(message)

        await system.spawn(Watcher)
        await probe.expect(Terminated)
        assert not ref.is_alive


async def test_permanent_child_that_stops_itself_is_restarted() -> None:
    class Quitter(Worker):
        async def receive(self, message: Any) -> Any:
            if message == "quit":
                self.stop()
            return await super().receive(message)

    journal: list[str] = []
    async with ActorSystem() as system:
        ref = await system.spawn(Quitter, journal, "q")
        await ref.ask("quit")
        assert await ref.ask("handled") == 0
        assert journal == ["start q", "stop q", "start q"]


class StopsWhenLetGo(Worker):
    """On "go", waits for `gate`, then stops itself."""

    def __init__(self, journal: list[str], label: str, gate: asyncio.Event) -> None:
        super().__init__(journal, label)
        self.gate = gate

    async def receive(self, message: Any) -> Any:
        if message == "go":
            await self.gate.wait()
            self.stop()
            return None
        return await super().receive(message)


@pytest.mark.parametrize("strategy", [OneForAll, RestForOne])
@pytest.mark.parametrize(("restart", "restarted"), [("transient", False), ("permanent", True)])
async def test_a_self_stop_overtaken_by_a_siblings_restart_wins_unless_permanent(
    strategy: type[OneForAll | RestForOne], restart: str, restarted: bool
) -> None:
    """`s` calls `self.stop()` after the restart its sibling's failure began already reached
    it (the decider lets it go on). OTP: a `transient` child that exits normally is not
    restarted, so its stop wins; a `permanent` one is restarted, once."""
    journal: list[str] = []
    gate = asyncio.Event()

    def decider(error: BaseException) -> None:
        gate.set()  # `s` runs on once the restart has told it to stop its instance

    children = [
        ChildSpec(Worker, journal, "a", name="a"),
        ChildSpec(StopsWhenLetGo, journal, "s", gate, name="s", restart=restart),
    ]
    async with asyncio.timeout(10), ActorSystem() as system:
        sup = await system.spawn(Supervisor, children, strategy(decider=decider), name="sup")
        a, s = system.lookup("/sup/a"), system.lookup("/sup/s")
        assert a is not None and s is not None
        s.tell("go")
        with pytest.raises(RuntimeError):
            await a.ask("crash")
        await sup.ask("sync")  # handled once the restart is complete
        assert s.is_alive is restarted
        if restarted:
            assert journal[2:] == ["stop s", "stop a", "start a", "start s"]
            assert snapshot(s).restarts == 1
        else:
            assert journal[2:] == ["stop s", "stop a", "start a"]
            assert snapshot(sup).children == ("a",)


async def test_on_start_failure_during_restart_counts_as_failure(clock: ManualClock) -> None:
    starts = 0

    class FlakyStart(Actor):
        async def on_start(self) -> None:
            nonlocal starts
            starts += 1
            if starts == 2:
                raise RuntimeError("second start fails")

        async def receive(self, message: Any) -> Any:
            if message == "crash":
                raise RuntimeError("crash")
            return starts

    async with ActorSystem(clock=clock, supervisor=OneForOne(max_restarts=5)) as system:
        ref = await system.spawn(FlakyStart)
        ref.tell("crash")
        assert await ref.ask("starts") == 3
        assert snapshot(ref).restarts == 1
