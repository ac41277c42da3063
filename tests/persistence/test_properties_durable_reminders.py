"""The durable model test (`test_properties_durable`) with reminders (`durable_reminders`):
the live actors start and cancel them between the programs' steps, and time passes on the
system's ManualClock, while the actors crash, stop, are spawned again and the whole system
restarts on the same store."""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import invariant, precondition, rule

from .durable_model import check
from .durable_reminders import Armed, Cancel, Remind, Reminders, RemindingTape
from .test_properties_durable import BOUND, SETTINGS, DurableActors

KEYS = ["k0", "k1"]
TURNS = st.none() | st.integers(0, 3)
"""Loop turns after which a handler cancels its own start or cancel, or None."""


class DurableReminders(DurableActors):
    def __init__(self) -> None:
        super().__init__()
        self.tape = RemindingTape(lambda: self.clock.now())
        self.reminders = Reminders(self.tape)

    @precondition(lambda self: bool(self.ids(alive=True)))
    @rule(
        data=st.data(),
        key=st.sampled_from(KEYS),
        delay=st.sampled_from([0.0, 1.0, 2.5]),
        every=st.none() | st.sampled_from([1.0, 1.5]),
        cancel_after=TURNS,
    )
    def remind(
        self,
        data: st.DataObject,
        key: str,
        delay: float,
        every: float | None,
        cancel_after: int | None,
    ) -> None:
        pid = data.draw(st.sampled_from(self.ids(alive=True)))
        token = next(self.numbers)
        answer = self.run(self.refs[pid].ask(Remind(key, token, delay, every, cancel_after)))
        armed = Armed(token, self.clock.now() + delay, every)
        if answer == "cancelled":
            self.run(self.reminders.took_back(pid, self.store, key, armed))
            return
        check(answer == "started", f"{pid}: starting {key!r} answered {answer!r}")
        self.reminders.started(pid, key, armed)

    @precondition(lambda self: bool(self.ids(alive=True)))
    @rule(data=st.data(), key=st.sampled_from(KEYS), cancel_after=TURNS)
    def cancel(self, data: st.DataObject, key: str, cancel_after: int | None) -> None:
        pid = data.draw(st.sampled_from(self.ids(alive=True)))
        answer = self.run(self.refs[pid].ask(Cancel(key, cancel_after)))
        if answer == "cancelled":
            self.run(self.reminders.took_back(pid, self.store, key, None))
        else:
            self.reminders.cancelled(pid, key, answer)

    @rule(seconds=st.sampled_from([0.0, 0.5, 1.0, 2.5, 4.0]))
    def advance(self, seconds: float) -> None:
        self.run(self.clock.advance(seconds))
        for pid in self.ids(alive=True):
            self.reminders.check_delivered(pid, self.clock.now())

    @invariant()
    def reminders_match(self) -> None:
        for pid in self.journals:
            self.run(self.reminders.check_store(pid, self.store))
            self.reminders.check_deliveries(pid)


class DurableRemindersOnSQLite(DurableReminders):
    kind = "sqlite"


DurableReminders.TestCase.settings = SETTINGS
DurableRemindersOnSQLite.TestCase.settings = SETTINGS
test_reminders_on_memory_match_the_model = BOUND(DurableReminders.TestCase)
test_reminders_on_sqlite_match_the_model = BOUND(DurableRemindersOnSQLite.TestCase)
