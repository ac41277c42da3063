"""The supervision tree: strategies, deciders, intensity, backoff, death watch (API 3, 9)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import (
    Actor,
    ActorRef,
    ActorSystem,
    Backoff,
    ChildSpec,
    OneForAll,
    OneForOne,
    RestForOne,
    Supervisor,
    SupervisorGaveUp,
    SystemFailed,
    Terminated,
)
from actorkit.testing import ManualClock, Probe, snapshot


class Worker(Actor):
    """Logs its lifecycle to a shared journal; fails on "crash"."""

    def __init__(self, journal: list[str], label: str) -> None:
        self.journal = journal
        self.label = label
        self.handled = 0

    async def on_start(self) -> None:
        self.journal.append(f"start {self.label}")

    async def on_stop(self) -> None:
        self.journal.append(f"stop {self.label}")

    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise RuntimeError(f"{self.label} crashed")
        if isinstance(message, Exception):
            raise message
        if message == "handled":
            return self.handled
        self.handled += 1
        return message


def specs(journal: list[str], *labels: str, **options: Any) -> list[ChildSpec]:
    return [ChildSpec(Worker, journal, label, name=label, **options) for label in labels]


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


async def test_one_for_all_stops_in_reverse_and_starts_in_order() -> None:
    journal: list[str] = []
    async with ActorSystem() as system:
        sup = await system.spawn(Supervisor, specs(journal, "a", "b", "c"), OneForAll(), name="sup")
        journal.clear()
        b = system.lookup("/sup/b")
        assert b is not None
        with pytest.raises(RuntimeError):
            await b.ask("crash")
        await sup.ask("sync")  # the supervisor handles it once the restart is complete
        assert journal == ["stop c", "stop b", "stop a", "start a", "start b", "start c"]
        assert snapshot(sup).children == ("a", "b", "c")


async def test_rest_for_one_restarts_the_failed_child_and_those_after_it() -> None:
    journal: list[str] = []
    async with ActorSystem() as system:
        await system.spawn(Supervisor, specs(journal, "a", "b", "c"), RestForOne(), name="sup")
        journal.clear()
        b = system.lookup("/sup/b")
        assert b is not None
        b.tell("crash")
        await b.ask("sync")
        await system.ask("/sup", "sync")
        assert journal == ["stop c", "stop b", "start b", "start c"]


async def test_one_for_one_touches_only_the_failed_child() -> None:
    journal: list[str] = []
    async with ActorSystem() as system:
        await system.spawn(Supervisor, specs(journal, "a", "b", "c"), OneForOne(), name="sup")
        journal.clear()
        b = system.lookup("/sup/b")
        assert b is not None
        b.tell("crash")
        await b.ask("sync")
        assert journal == ["stop b", "start b"]


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


async def test_stop_from_outside_is_never_followed_by_a_restart() -> None:
    journal: list[str] = []
    async with ActorSystem() as system:
        ref = await system.spawn(Worker, journal, "w")
        await ref.stop()
        assert journal == ["start w", "stop w"]
        assert not ref.is_alive


async def test_decider_resume_keeps_state_and_does_not_count_toward_intensity() -> None:
    journal: list[str] = []

    class Parent(Actor):
        supervisor_strategy = OneForOne(max_restarts=0, decider={ValueError: "resume"})

        async def on_start(self) -> None:
            await self.spawn(Worker, journal, "w", name="w")

        async def receive(self, message: Any) -> None:
            return None

    async with ActorSystem() as system:
        await system.spawn(Parent, name="p")
        w = system.lookup("/p/w")
        assert w is not None
        w.tell(1)
        for _ in range(5):
            w.tell(ValueError("tolerated"))
        w.tell(2)
        assert await w.ask("handled") == 2  # state survived five failures
        assert journal == ["start w"]
        assert snapshot(w).failures == 5


async def test_decider_most_specific_class_wins() -> None:
    class Special(ValueError):
        pass

    strategy = OneForOne(decider={Exception: "stop", ValueError: "resume", Special: "restart"})
    assert strategy.directive(Special()) == "restart"
    assert strategy.directive(ValueError()) == "resume"
    assert strategy.directive(KeyError()) == "stop"
    assert OneForOne().directive(KeyError()) == "restart"
    assert OneForOne(decider=lambda e: "escalate").directive(KeyError()) == "escalate"


async def test_decider_stop_stops_the_child_for_good() -> None:
    journal: list[str] = []

    class Parent(Actor):
        supervisor_strategy = OneForOne(decider={KeyError: "stop"})

        async def on_start(self) -> None:
            await self.spawn(Worker, journal, "w", name="w")

    async with ActorSystem() as system:
        await system.spawn(Parent, name="p")
        w = system.lookup("/p/w")
        assert w is not None
        with pytest.raises(KeyError):
            await w.ask(KeyError("fatal"))
        await system.ask("/p", "sync")
        assert not w.is_alive
        assert journal == ["start w", "stop w"]


async def test_decider_escalate_fails_the_parent_which_is_restarted() -> None:
    journal: list[str] = []

    class Parent(Actor):
        supervisor_strategy = OneForOne(decider={KeyError: "escalate"})

        async def on_start(self) -> None:
            journal.append("start parent")
            await self.spawn(Worker, journal, "w", name="w")

    async with ActorSystem() as system:
        parent = await system.spawn(Parent, name="p")
        w = system.lookup("/p/w")
        assert w is not None
        w.tell(KeyError("up"))
        await parent.ask("sync")  # processed after the parent's restart
        assert journal == ["start parent", "start w", "stop w", "start parent", "start w"]
        assert snapshot(parent).restarts == 1


async def test_intensity_exceeded_gives_up_and_escalates(clock: ManualClock) -> None:
    journal: list[str] = []
    async with ActorSystem(clock=clock) as system:
        await system.spawn(
            Supervisor,
            specs(journal, "a", "b"),
            OneForOne(max_restarts=2, within=10.0),
            name="sup",
        )
        outer = system.lookup("/sup")
        assert outer is not None
        a = system.lookup("/sup/a")
        assert a is not None
        for _ in range(2):
            a.tell("crash")
            await a.ask("sync")
        journal.clear()
        a.tell("crash")  # third failure within the window: the supervisor gives up
        await clock.advance(0)
        # Children stopped in reverse order, then the root restarted the supervisor itself.
        assert journal == ["stop a", "stop b", "start a", "start b"]
        assert snapshot(outer).restarts == 1


async def test_intensity_window_slides(clock: ManualClock) -> None:
    journal: list[str] = []
    async with ActorSystem(clock=clock) as system:
        await system.spawn(
            Supervisor, specs(journal, "a"), OneForOne(max_restarts=1, within=1.0), name="sup"
        )
        outer = system.lookup("/sup")
        assert outer is not None
        for _ in range(5):
            a = system.lookup("/sup/a")
            assert a is not None
            a.tell("crash")
            await clock.advance(1.5)  # each failure falls outside the previous window
        assert snapshot(outer).restarts == 0


async def test_supervisor_gave_up_cause_and_terminated_reason(clock: ManualClock) -> None:
    async with ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        error = RuntimeError("always")

        class Doomed(Actor):
            async def receive(self, message: Any) -> None:
                raise error

        class Parent(Actor):
            supervisor_strategy = OneForOne(max_restarts=0, decider={SupervisorGaveUp: "stop"})

            async def on_start(self) -> None:
                self.watch(
                    await self.spawn(
                        Supervisor,
                        [ChildSpec(Doomed, name="d")],
                        OneForOne(max_restarts=0),
                        name="inner",
                    )
                )

            async def receive(self, message: Any) -> None:
                probe.ref.tell(message)

        await system.spawn(Parent, name="p")
        inner = system.lookup("/p/inner")
        d = system.lookup("/p/inner/d")
        assert inner is not None and d is not None
        d.tell("boom")
        terminated = await probe.expect(Terminated)
        assert terminated.ref == inner
        assert isinstance(terminated.reason, SupervisorGaveUp)
        assert terminated.reason.__cause__ is error


async def test_escalation_past_root_fails_the_system(clock: ManualClock) -> None:
    class Doomed(Actor):
        async def receive(self, message: Any) -> None:
            raise RuntimeError("fatal")

    with pytest.raises(SystemFailed) as info:
        async with ActorSystem(clock=clock, supervisor=OneForOne(max_restarts=0)) as system:
            ref = await system.spawn(Doomed)
            ref.tell("x")
            await clock.advance(0)
            assert system.failure is not None
            assert not system.healthy
    assert isinstance(info.value.__cause__, SupervisorGaveUp)
    assert isinstance(info.value.__cause__.__cause__, RuntimeError)


async def test_backoff_delays_restarts_exponentially(clock: ManualClock) -> None:
    journal: list[str] = []
    strategy = OneForOne(max_restarts=10, within=100.0, backoff=Backoff(min=1.0, max=4.0, jitter=0))
    async with ActorSystem(clock=clock, supervisor=strategy) as system:
        ref = await system.spawn(Worker, journal, "w")
        expected_delays = [1.0, 2.0, 4.0, 4.0]
        for delay in expected_delays:
            journal.clear()
            ref.tell("crash")
            ref.tell("kept")  # sent during the wait: stays in the mailbox
            await clock.advance(delay - 0.01)
            assert journal == ["stop w"], f"restarted before {delay}s"
            await clock.advance(0.01)
            assert journal == ["stop w", "start w"]
            assert await ref.ask("handled") == 1


class BackingOff(Actor):
    """Supervises one `Worker` with a long restart backoff."""

    supervisor_strategy = OneForOne(
        max_restarts=10, within=100.0, backoff=Backoff(min=30.0, max=60.0)
    )

    def __init__(self, journal: list[str]) -> None:
        self.journal = journal

    async def on_start(self) -> None:
        await self.spawn(Worker, self.journal, "w", name="w")

    async def receive(self, message: Any) -> Any:
        raise RuntimeError(f"{message} on purpose")


@pytest.mark.parametrize("end", ["stop", "restart", "shutdown"])
async def test_a_restart_still_in_its_backoff_leaves_no_timer_when_its_supervisor_ends(
    clock: ManualClock, end: str
) -> None:
    """The restart will not run: its timer must not outlive the supervisor (or the system),
    holding them until it fires, or count as pending on the manual clock."""
    journal: list[str] = []
    async with ActorSystem(clock=clock) as system:
        parent = await system.spawn(BackingOff, journal, name="p")
        worker = system.lookup("/p/w")
        assert worker is not None
        worker.tell("crash")
        await clock.settle()
        assert clock.pending == 1  # the restart's backoff
        if end == "stop":
            await parent.stop()
        elif end == "restart":
            parent.tell("fail")  # the root restarts it, and with it its children
        if end != "shutdown":
            await clock.settle()
            assert clock.pending == 0
    assert clock.pending == 0


async def test_backoff_resets_after_a_quiet_window(clock: ManualClock) -> None:
    journal: list[str] = []
    strategy = OneForOne(max_restarts=10, within=5.0, backoff=Backoff(min=1.0, max=8.0, jitter=0))
    async with ActorSystem(clock=clock, supervisor=strategy) as system:
        ref = await system.spawn(Worker, journal, "w")
        ref.tell("crash")
        await clock.advance(1.0)
        ref.tell("crash")
        await clock.advance(2.0)
        await clock.advance(10.0)  # quiet for longer than `within`
        journal.clear()
        ref.tell("crash")
        await clock.advance(1.0)
        assert journal == ["stop w", "start w"]


async def test_a_later_rest_for_one_restart_supersedes_one_still_in_its_backoff(
    clock: ManualClock,
) -> None:
    """`b` waits out its backoff when `a` fails with a longer one: `b` and `c` depend on `a`,
    so they start after it, in order, not when `b`'s own wait ends."""
    journal: list[str] = []
    backoff = Backoff(min=1.0, max=100.0, jitter=0)
    strategy = RestForOne(max_restarts=10, within=100.0, backoff=backoff)
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        await system.spawn(Supervisor, specs(journal, "a", "b", "c"), strategy, name="s")
        a, b = system.lookup("/s/a"), system.lookup("/s/b")
        assert a is not None and b is not None
        for delay in (1.0, 2.0):  # a's next restart waits 4 s
            a.tell("crash")
            await clock.advance(delay)
        journal.clear()
        b.tell("crash")  # b's restart, with c, waits 1 s
        await clock.settle()
        a.tell("crash")  # a fails meanwhile: a, b and c start again in 4 s
        await clock.advance(3.99)
        assert journal == ["stop c", "stop b", "stop a"]
        await clock.advance(0.01)
        assert journal[3:] == ["start a", "start b", "start c"]


async def test_backoff_jitter_stays_in_bounds() -> None:
    backoff = Backoff(min=0.5, max=3.0, jitter=0.2)
    for attempt, base in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 3.0), (9, 3.0)]:
        for _ in range(50):
            assert base <= backoff.delay(attempt) <= base * 1.2


async def test_watch_delivers_terminated_once_with_reason() -> None:
    async with ActorSystem() as system:
        probe = await Probe.spawn(system)
        journal: list[str] = []
        target = await system.spawn(Worker, journal, "t", restart="temporary")

        class Watcher(Actor):
            async def on_start(self) -> None:
                self.watch(target)
                self.watch(target)  # watching twice still delivers once

            async def receive(self, message: Any) -> None:
                probe.ref.tell(message)

        await system.spawn(Watcher)
        with pytest.raises(RuntimeError):
            await target.ask("crash")
        terminated = await probe.expect(Terminated)
        assert terminated.ref == target
        assert isinstance(terminated.reason, RuntimeError)
        await system.ask(probe.ref.path, "sync")
        assert await probe.receive() == "sync"
        probe.expect_empty()


async def test_watch_of_a_dead_actor_delivers_at_once_and_unwatch_stops_delivery() -> None:
    async with ActorSystem() as system:
        probe = await Probe.spawn(system)
        dead = await system.spawn(Worker, [], "d")
        await dead.stop()
        alive = await system.spawn(Worker, [], "a")

        class Watcher(Actor):
            async def receive(self, message: Any) -> None:
                if message == "watch":
                    self.watch(dead)
                    self.watch(alive)
                    self.unwatch(alive)
                else:
                    probe.ref.tell(message)

        watcher = await system.spawn(Watcher)
        await watcher.ask("watch")
        terminated = await probe.expect(Terminated)
        assert terminated.ref == dead and terminated.reason is None
        await alive.stop()
        await watcher.ask("sync")
        assert await probe.receive() == "sync"
        probe.expect_empty()


async def test_watchers_hear_of_a_stop_in_the_order_they_watched() -> None:
    """Not in the memory order of their cells: a chaos seed must replay the same."""
    heard: list[int] = []
    all_heard = asyncio.Event()

    class Watcher(Actor):
        def __init__(self, number: int, target: ActorRef) -> None:
            self.number = number
            self.watch(target)

        async def receive(self, message: Any) -> None:
            heard.append(self.number)  # each wakes in the order it was delivered to
            if len(heard) == 20:
                all_heard.set()

    async with asyncio.timeout(10), ActorSystem(metrics=False) as system:
        target = await system.spawn(Worker, [], "t")
        for number in range(20):
            await system.spawn(Watcher, number, target)
        await target.stop()
        await all_heard.wait()
    assert heard == list(range(20))


async def test_on_stop_runs_once_per_instance_and_failures_there_are_contained(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class BadStop(Actor):
        async def on_stop(self) -> None:
            raise RuntimeError("on_stop broke")

        async def receive(self, message: Any) -> Any:
            return message

    async with ActorSystem() as system:
        ref = await system.spawn(BadStop, name="bad")
        await ref.stop()
        other = await system.spawn(BadStop)
        assert await other.ask(1) == 1
    assert any("on_stop of /bad" in r.getMessage() for r in caplog.records)


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


async def test_strategy_arguments_are_checked() -> None:
    with pytest.raises(ValueError, match="max_restarts"):
        OneForOne(max_restarts=-1)
    with pytest.raises(ValueError, match="within"):
        OneForAll(within=0)
    with pytest.raises(ValueError, match="directive"):
        OneForOne(decider={KeyError: "explode"})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="exception classes"):
        OneForOne(decider={"KeyError": "stop"})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="max"):
        Backoff(min=2.0, max=1.0)
    with pytest.raises(TypeError, match="ChildSpec"):
        Supervisor(children=["not a spec"])  # type: ignore[list-item]


async def test_children_stop_before_parents_in_reverse_start_order() -> None:
    journal: list[str] = []

    class Parent(Worker):
        async def on_start(self) -> None:
            await super().on_start()
            await self.spawn(Worker, self.journal, f"{self.label}.1")
            await self.spawn(Worker, self.journal, f"{self.label}.2")

    async with ActorSystem() as system:
        await system.spawn(Parent, journal, "A")
        await system.spawn(Parent, journal, "B")
        journal.clear()
    assert journal == ["stop B.2", "stop B.1", "stop B", "stop A.2", "stop A.1", "stop A"]


async def test_concurrent_failures_under_one_for_all_do_not_deadlock() -> None:
    journal: list[str] = []
    async with ActorSystem(supervisor=OneForOne(max_restarts=100)) as system:
        await system.spawn(
            Supervisor, specs(journal, "a", "b", "c"), OneForAll(max_restarts=100), name="sup"
        )
        for _ in range(5):
            for name in "abc":
                ref = system.lookup(f"/sup/{name}")
                assert ref is not None
                ref.tell("crash")
        async with asyncio.timeout(5):
            for name in "abc":
                ref = system.lookup(f"/sup/{name}")
                assert ref is not None
                assert await ref.ask("handled") == 0


async def test_a_restarted_supervisor_starts_with_fresh_intensity(clock: ManualClock) -> None:
    journal: list[str] = []
    async with ActorSystem(clock=clock, supervisor=OneForOne(max_restarts=10)) as system:
        await system.spawn(
            Supervisor, specs(journal, "a"), OneForOne(max_restarts=1, within=100.0), name="sup"
        )
        outer = system.lookup("/sup")
        assert outer is not None
        for expected_restarts in (1, 2):
            for _ in range(2):  # the second failure within the window makes /sup give up
                a = system.lookup("/sup/a")
                assert a is not None
                a.tell("crash")
                await clock.advance(0)
            assert snapshot(outer).restarts == expected_restarts
        a = system.lookup("/sup/a")
        assert a is not None
        a.tell("crash")  # one failure after a restart of /sup: tolerated by the new instance
        await clock.advance(0)
        assert snapshot(outer).restarts == 2


async def test_sending_to_a_stopped_actor_yields_to_the_loop() -> None:
    async with ActorSystem() as system:
        ref = await system.spawn(Worker, [], "w")
        await ref.stop()
        other_ran = asyncio.Event()
        asyncio.get_running_loop().call_soon(other_ran.set)
        sent = 0
        while not other_ran.is_set():  # would spin forever if send never yielded
            await ref.send(sent)
            sent += 1
        assert sent >= 1
        assert system.dead_letters.by_reason["stopped"] == sent
