"""The durable model test (`test_properties_durable`) with recoveries whose reads fail
(`durable_faults.READS`) a few times in a row, as docs/persistence.md states them: a recovery
that fails is an `on_start` failure. After a crash the supervisor restarts the actor until a
recovery succeeds, and the messages that waited meanwhile are handled by that instance; a
new actor's `spawn` raises the `PersistenceError`, and a later spawn on the id recovers.
Either way the instance that recovers holds exactly what the store holds, whatever a
failed one had replayed."""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule

from actorkit.persistence import PersistenceError

from .durable_model import Round, check
from .durable_model_support import Cmd
from .test_properties_durable import BOUND, SETTINGS, DurableActors
from .test_properties_durable_reminders import DurableReminders

READS_OF = {True: ["snapshot", "events", "reminders"], False: ["state", "reminders"]}
"""What a recovery reads, by whether the actor is event-sourced."""


class FailingRecoveries(DurableActors):
    def arm(self, data: st.DataObject, pid: str, times: int) -> None:
        which = data.draw(st.sampled_from(READS_OF[self.journals[pid].event_sourced]))
        self.faults.reads[pid] = (which, times)
        self.faults.failed_reads = 0

    @precondition(lambda self: bool(self.ids(alive=True)))
    @rule(data=st.data(), times=st.integers(1, 3))
    def crash_into_failing_recoveries(self, data: st.DataObject, times: int) -> None:
        """A crash, then a `get` that waits in the mailbox for the instance that recovers."""
        pid = data.draw(st.sampled_from(self.ids(alive=True)))
        self.arm(data, pid, times)
        cmds = [Cmd(next(self.numbers), "crash"), Cmd(next(self.numbers), "get")]
        results = self.run(self.send({pid: cmds}, {}))
        self.faults.reads.clear()
        self.check(pid, cmds, Round({}, batches=False), results)
        check(self.faults.failed_reads == times, f"{pid}: {self.faults.failed_reads} failed")

    @precondition(lambda self: bool(self.ids(alive=True)))
    @rule(data=st.data(), times=st.integers(1, 3))
    def spawn_into_failing_recoveries(self, data: st.DataObject, times: int) -> None:
        """The actor stopped and spawned again until its `spawn` recovers."""
        pid = data.draw(st.sampled_from(self.ids(alive=True)))
        self.run(self.refs[pid].stop())
        self.journals[pid].view = None
        self.arm(data, pid, times)
        for attempt in range(times):
            try:
                self.spawn(pid, self.classes[pid])
            except PersistenceError:
                check(self.tape.take(pid) == [], f"{pid}: a failed recovery ran on_start")
            else:
                check(False, f"{pid}: spawn {attempt} recovered through a failing read")
        self.spawn(pid, self.classes[pid])
        check(self.faults.failed_reads == times, f"{pid}: {self.faults.failed_reads} failed")


class FailingRecoveriesOnSQLite(FailingRecoveries):
    kind = "sqlite"


class FailingRecoveriesWithReminders(FailingRecoveries, DurableReminders):
    """Reminders armed again, or not, by the instances that recover."""


FailingRecoveries.TestCase.settings = SETTINGS
FailingRecoveriesOnSQLite.TestCase.settings = SETTINGS
FailingRecoveriesWithReminders.TestCase.settings = SETTINGS
test_failing_recoveries_on_memory_match_the_model = BOUND(FailingRecoveries.TestCase)
test_failing_recoveries_on_sqlite_match_the_model = BOUND(FailingRecoveriesOnSQLite.TestCase)
test_failing_recoveries_with_reminders_match_the_model = BOUND(
    FailingRecoveriesWithReminders.TestCase
)
