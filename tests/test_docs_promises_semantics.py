"""Promises of docs/api.md section 9 ("Precise semantics") that no other test pinned: what
leaving `async with` does when the body raises after the system failed, where a backoff's
quiet window ends, a draining handler's spawn and submit, a send to its own mailbox made in
another task, what an agent's `processed` counts, a handler's own `asyncio.sleep` under
`advance`, a name reused from a `Terminated` handler, which exit reaches the owner, and what
an answered ask leaves on a `ManualClock`."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest

import actorkit
from actorkit import (
    Actor,
    ActorRef,
    ActorStopped,
    ActorSystem,
    Backoff,
    MailboxFull,
    OneForOne,
    SystemFailed,
)
from actorkit.testing import ManualClock, pending_asks, pending_timers

BOUND = 5.0


class Failing(Actor):
    async def receive(self, message: Any) -> Any:
        raise ValueError(f"{message} on purpose")


async def fail_the_root(system: ActorSystem) -> None:
    """Makes the root give up at once, then waits until the system has failed."""
    (await system.spawn(Failing)).tell("crash")
    while system.failure is None:
        await asyncio.sleep(0)


@pytest.mark.parametrize(
    "exit_error", [KeyboardInterrupt(), SystemExit(3), asyncio.CancelledError()], ids=repr
)
async def test_an_exit_leaving_async_with_after_a_root_failure_is_not_replaced(
    exit_error: BaseException,
) -> None:
    """An exit (Ctrl-C, `sys.exit(3)`, a cancellation) is the program's way out, as a
    `TaskGroup` lets a `KeyboardInterrupt` through over its children's errors: turned into
    `SystemFailed` it would change the exit status or hide a cancellation from
    `asyncio.timeout` and `TaskGroup`. The failure is logged when it happens."""
    caught: BaseException | None = None
    async with asyncio.timeout(BOUND):
        try:
            async with ActorSystem("exits", supervisor=OneForOne(max_restarts=0)) as system:
                await fail_the_root(system)
                raise exit_error
        except BaseException as error:
            caught = error
    assert caught is exit_error
    assert isinstance(system.failure, BaseException)


async def test_a_body_error_after_a_root_failure_is_the_context_of_system_failed() -> None:
    """An error of the body's own still gives way to `SystemFailed` (the contract: the
    system failed), but is kept as its `__context__`, so the traceback shows both."""
    mine = LookupError("the body's own")
    async with asyncio.timeout(BOUND):
        with pytest.raises(SystemFailed) as raised:
            async with ActorSystem("errors", supervisor=OneForOne(max_restarts=0)) as system:
                await fail_the_root(system)
                raise mine
    assert raised.value.__context__ is mine
    assert raised.value.__cause__ is system.failure


class Crashing(Actor):
    """Logs each start at the clock's time; fails on "crash"."""

    def __init__(self, clock: ManualClock, starts: list[float]) -> None:
        self.clock = clock
        self.starts = starts

    async def on_start(self) -> None:
        self.starts.append(self.clock.now())

    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise RuntimeError("crash on purpose")
        return message


async def crash_and_restart(ref: ActorRef, clock: ManualClock) -> None:
    ref.tell("crash")
    await clock.settle()
    due = clock.next_due()
    assert due is not None  # the restart's backoff
    await clock.advance(due - clock.now())


@pytest.mark.parametrize(("quiet", "delay"), [(5.0, 2.0), (5.5, 1.0)])
async def test_a_backoff_resets_only_past_within_seconds_of_running(
    clock: ManualClock, quiet: float, delay: float
) -> None:
    """The window that resets a backoff is the intensity's: a failure exactly `within`
    seconds after the restart is still inside it, so the next delay still doubles."""
    starts: list[float] = []
    strategy = OneForOne(max_restarts=100, within=5.0, backoff=Backoff(min=1.0, max=8.0, jitter=0))
    async with asyncio.timeout(BOUND), ActorSystem(clock=clock, supervisor=strategy) as system:
        ref = await system.spawn(Crashing, clock, starts)
        await crash_and_restart(ref, clock)  # restarted at 1.0, after 1 s
        await clock.advance(quiet)
        await crash_and_restart(ref, clock)
        assert starts == [0.0, 1.0, 1.0 + quiet + delay]


class Spawner(Actor):
    """Starts a child per message (a per-request worker); "submit" submits a task instead,
    and a tuple holds it in its handler until the test lets it go."""

    def __init__(self, journal: list[str]) -> None:
        self.journal = journal

    async def receive(self, message: Any) -> Any:
        if isinstance(message, tuple):
            message[0].set()
            await message[1].wait()
        elif message == "submit":
            try:
                await self.system.submit("work")
            except ActorStopped:
                self.journal.append("submit refused")
        else:
            await self.spawn(Actor)  # not caught: the handler fails
            self.journal.append(f"spawned for {message}")


async def test_a_draining_handler_can_start_nothing_and_one_that_fails_dead_letters_its_queue() -> (
    None
):
    """From the moment the shutdown begins `spawn` and `submit` raise `ActorStopped`: caught,
    the handler answers its message itself; not caught, the actor fails while draining and
    the rest of its queue becomes dead letters `shutdown`."""
    journal: list[str] = []
    async with asyncio.timeout(BOUND):
        system = await ActorSystem("draining", metrics=False).start()
        ref = await system.spawn(Spawner, journal)
        entered, gate = asyncio.Event(), asyncio.Event()
        ref.tell((entered, gate))
        await entered.wait()
        for message in ("submit", "a", "b", "c"):
            ref.tell(message)
        shutting = asyncio.ensure_future(system.shutdown())
        await asyncio.sleep(0)  # one turn: the shutdown has begun
        gate.set()
        await shutting
    assert journal == ["submit refused"]
    assert [(d.message, d.reason) for d in system.dead_letters.recent] == [
        ("b", "shutdown"),
        ("c", "shutdown"),
    ]


class SendsFromATask(Actor):
    """Fills its own mailbox, then sends to it once more from a task of its own."""

    async def receive(self, message: Any) -> Any:
        if message != "go":
            return None
        self.ref.tell("fills it")
        sending = asyncio.ensure_future(self.ref.send("waits"))
        for _ in range(3):
            await asyncio.sleep(0)
        waiting = not sending.done()
        sending.cancel()
        return waiting


class SendsItself(SendsFromATask):
    async def receive(self, message: Any) -> Any:
        if message != "go":
            return None
        self.ref.tell("fills it")
        try:
            await self.ref.send("refused")
        except MailboxFull:
            return "refused at once"
        return "sent"


async def test_only_a_send_in_the_handlers_own_task_is_refused_at_once() -> None:
    """The handler's own task is what tells a send to its own mailbox from any other: one
    made in another task the handler awaits waits for room like any sender's."""
    async with asyncio.timeout(BOUND), ActorSystem("own", metrics=False) as system:
        itself = await system.spawn(SendsItself, mailbox_size=1)
        assert await itself.ask("go") == "refused at once"
        in_a_task = await system.spawn(SendsFromATask, mailbox_size=1)
        assert await in_a_task.ask("go") is True


class Agent(Actor):
    capabilities = ("work",)

    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise RuntimeError("crash on purpose")
        return message


async def test_an_agents_processed_counts_what_its_handler_returned_from() -> None:
    async with asyncio.timeout(BOUND), ActorSystem("agents", metrics=False) as system:
        ref = await system.spawn(Agent)
        assert await ref.ask("fine") == "fine"
        with pytest.raises(RuntimeError):
            await ref.ask("crash")
        assert await (await system.submit("task", requires=["work"])) is not None
        (info,) = system.agents()
        assert (info.processed, info.failures) == (2, 1)


class Sleeper(Actor):
    """Waits in its handler on the event loop's own time: a real hour."""

    async def receive(self, message: Any) -> Any:
        message.set()
        await asyncio.sleep(3600)
        return "woke"


async def test_advance_does_not_move_a_handlers_own_asyncio_sleep(clock: ManualClock) -> None:
    """A handler's `asyncio.sleep` is on the loop's real time: `advance` neither shortens it
    nor waits for it (`settle` counts the handler as quiet), so it returns at once."""
    async with asyncio.timeout(BOUND), ActorSystem(clock=clock, metrics=False) as system:
        ref = await system.spawn(Sleeper)
        entered = asyncio.Event()
        asked = asyncio.ensure_future(ref.ask(entered, timeout=10_000.0))
        await entered.wait()
        await clock.advance(7200.0)
        assert clock.now() == 7200.0
        assert not asked.done()
        await ref.stop(timeout=0)
        with pytest.raises(ActorStopped):
            await asked


class Replaceable(Actor):
    async def receive(self, message: Any) -> Any:
        if message == "stop itself":
            self.stop()
        elif message == "fail":
            raise RuntimeError("fail on purpose")
        return message


class Replacer(Actor):
    """Watches its child `w` and, told it stopped, starts a new one under the same name."""

    def __init__(self, replaced: asyncio.Queue[str]) -> None:
        self.replaced = replaced

    async def on_start(self) -> None:
        await self.replace()

    async def replace(self) -> None:
        self.watch(await self.spawn(Replaceable, name="w", restart="temporary"))

    async def receive(self, message: Any) -> Any:
        await self.replace()  # a Terminated: the NameTaken that would fail it is the subject
        self.replaced.put_nowait(message.ref.path)


@pytest.mark.parametrize("end", ["stop itself", "fail", "stop from outside"])
async def test_a_watcher_can_reuse_the_name_of_the_actor_its_terminated_reports(end: str) -> None:
    """A stopped actor's name can be reused at once: by the time its `Terminated` is handled,
    the name is free (the OTP and Akka way to replace a worker under its name)."""
    replaced: asyncio.Queue[str] = asyncio.Queue()
    async with asyncio.timeout(BOUND), ActorSystem("names", metrics=False) as system:
        parent = await system.spawn(Replacer, replaced, name="p")
        first = system.lookup("/p/w")
        assert first is not None
        if end == "stop from outside":
            await first.stop()
        else:
            first.tell(end)
        assert await replaced.get() == "/p/w"
        second = system.lookup("/p/w")
        assert second is not None and second != first and second.is_alive
        assert parent.is_alive


class Exits(Actor):
    def __init__(self, raised: list[str]) -> None:
        self.raised = raised

    async def receive(self, message: Any) -> Any:
        self.raised.append(type(message).__name__)
        raise message


async def two_exits(seen: list[BaseException], raised: list[str]) -> None:
    async with ActorSystem("exiting", metrics=False) as system:
        first = await system.spawn(Exits, raised)
        second = await system.spawn(Exits, raised)
        first.tell(SystemExit(4))
        second.tell(KeyboardInterrupt())  # handled while the first exit shuts the system down
        try:
            async with asyncio.timeout(BOUND):
                await asyncio.Event().wait()  # only the exit ends the owner's wait
        except BaseException as error:
            seen.append(error)
            raise


@pytest.mark.parametrize("uvloop", [False, True], ids=["asyncio", "uvloop"])
def test_only_the_first_exit_raised_by_actors_reaches_the_owner(
    uvloop: bool, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[BaseException] = []
    raised: list[str] = []
    with pytest.raises(SystemExit) as exited:
        actorkit.run(two_exits(seen, raised), uvloop=uvloop)
    assert raised == ["SystemExit", "KeyboardInterrupt"]
    assert exited.value.code == 4
    assert not any(isinstance(error, TimeoutError) for error in seen)  # not the bound's end
    assert "KeyboardInterrupt" not in repr(seen)


async def test_an_answered_asks_deadline_keeps_the_clocks_one_ask_entry_until_then(
    clock: ManualClock,
) -> None:
    """An answered ask leaves its deadline's group at once; the clock's one ask entry stays
    due until that time (cancelling it per answer would cost every ask), then fires to time
    nothing out and leaves."""
    async with asyncio.timeout(BOUND), ActorSystem(clock=clock, metrics=False) as system:
        ref = await system.spawn(Agent)
        assert await ref.ask("fine", timeout=100.0) == "fine"
        assert (pending_asks(system), pending_timers(system)) == (0, 0)
        assert (clock.pending, clock.next_due()) == (1, 100.0)
        await clock.advance(100.0)
        assert (clock.pending, clock.next_due()) == (0, None)
        assert ref.is_alive and system.dead_letters.count == 0


async def test_dead_letters_by_reason_is_a_new_dict_at_each_access() -> None:
    """As `recent` is a new list: a caller iterating it across an await, while dead letters
    arrive, or changing it, changes nothing of the record (nor the metric, which reads it)."""
    async with asyncio.timeout(BOUND), ActorSystem("letters") as system:
        system.publish("nobody.here", 1)
        counted = system.dead_letters.by_reason
        assert counted == {"no_subscribers": 1}
        assert counted is not system.dead_letters.by_reason
        counted.clear()
        counted["made up"] = 5
        for _reason in counted:
            system.publish("nobody.there", 2)  # recorded while the caller iterates
            await asyncio.sleep(0)
        assert system.dead_letters.by_reason == {"no_subscribers": 2}
        assert system.dead_letters.count == 2
        scraped = system.metrics.registry.get_sample_value(
            "actorkit_dead_letters_total", {"reason": "no_subscribers"}
        )
        assert scraped == 2


class ExitsOrHolds(Actor):
    """Raises `SystemExit(6)` on "exit"; holds on any other message (an `Event` it sets) for
    ever, so the shutdown's drain cannot end before the owner's coroutine does."""

    def __init__(self, stopped: list[Any], gone: asyncio.Event) -> None:
        self.stopped = stopped
        self.gone = gone

    async def receive(self, message: Any) -> Any:
        if message == "exit":
            raise SystemExit(6)
        self.stopped.append(asyncio.current_task())
        message.set()
        await asyncio.Event().wait()

    async def on_stop(self) -> None:
        self.stopped.append(self.path)
        self.gone.set()


async def returns_before_the_shutdown_ends(stopped: list[Any], seen: list[Any]) -> str:
    system = await ActorSystem("exiting", metrics=False).start()
    seen.append(asyncio.get_running_loop())
    seen.append((await system.serve_http(port=0)).port)
    gone = asyncio.Event()
    held = await system.spawn(ExitsOrHolds, stopped, asyncio.Event(), name="held")
    entered = asyncio.Event()
    held.tell(entered)
    await entered.wait()
    (await system.spawn(ExitsOrHolds, stopped, gone, name="exits")).tell("exit")
    await gone.wait()  # the actor that raised it has stopped; the drain of "held" goes on
    return "returned"


@pytest.mark.parametrize("uvloop", [False, True], ids=["asyncio", "uvloop"])
def test_an_owner_returning_before_the_shutdown_ends_still_gets_the_exit(uvloop: bool) -> None:
    """`asyncio.run` raises it all the same when it cancels what is left, which cuts the
    drain short: the held actor's `on_stop` runs in its cancelled task. The closing still
    ends before the exit leaves the loop: the HTTP endpoint no longer listens, and no task
    is left for the collector to close outside any loop."""
    stopped: list[Any] = []
    seen: list[Any] = []
    with pytest.raises(SystemExit) as exited:
        actorkit.run(returns_before_the_shutdown_ends(stopped, seen), uvloop=uvloop)
    assert exited.value.code == 6
    _held_task, *stops = stopped
    assert stops == ["/exits", "/held"]
    loop, port = seen
    assert [task for task in asyncio.all_tasks(loop) if not task.done()] == []
    with socket.socket() as probe, pytest.raises(ConnectionRefusedError):
        probe.connect(("127.0.0.1", port))
