"""API.md §5: system timers, an actor's own timers, and the manual clock in tests."""

from __future__ import annotations

import actorkit
from actorkit import Actor, ActorSystem, TimerHandle, Timers
from actorkit.testing import ManualClock, Probe


class Ticker(Actor):
    def __init__(self) -> None:
        self.ticks = 0

    async def on_start(self) -> None:
        timers: Timers = self.timers
        timers.start_every("tick", "tick", 1.0)
        timers.start_every(("poll", 1), "poll", 0.5, initial_delay=0.0)
        timers.start_once("idle", "idle", 30.0)

    async def receive(self, message: object) -> object:
        if message == "tick":
            self.ticks += 1
            self.timers.start_once("idle", "idle", 30.0)  # an idle timeout, started again
        elif message == "idle":
            stopped: bool = self.timers.cancel("tick")
            active: bool = self.timers.is_active(("poll", 1))
            print(stopped, active)
            self.timers.cancel_all()
        return self.ticks


async def main() -> None:
    clock = ManualClock()
    async with ActorSystem("timers", clock=clock) as system:
        probe = await Probe.spawn(system)
        once: TimerHandle = system.schedule_once(5.0, probe.ref, "ping")
        every: TimerHandle = system.schedule_every(1.0, probe.ref, "tick", initial_delay=0.5)
        await clock.advance(5.0)
        await probe.expect("ping")
        await probe.expect(str)
        await probe.expect(lambda message: message == "tick")
        cancelled: bool = every.cancel()
        active: bool = once.active
        ticker = await system.spawn(Ticker)
        await clock.advance(3.5)
        await clock.settle()
        now: float = clock.now()
        pending: int = clock.pending
        due: float | None = clock.next_due()
        in_flight: int = len(clock.store_calls)
        print(cancelled, active, await ticker.ask("get"), now, pending, due, in_flight)
        print(system.now())


async def tuned() -> None:
    clock = ManualClock(10.0, store_timeout=2.0)
    async with ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system, name="probe")
        probe.reply = 42
        message: object = await probe.receive(timeout=1.0)
        probe.expect_empty()
        print(message, probe.pending)


if __name__ == "__main__":
    actorkit.run(main())
