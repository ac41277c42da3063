"""A reference model of durable actors, as docs/persistence.md states them: what each
persistence id's journal (or state), its snapshot and its live instance's state must be after
every step of `test_properties_durable`.

The model reads the actors' tape (`durable_model_support.Tape`) in order. Where the docs fix
an outcome it predicts it: a write that returned is stored once, in order; a fault before the
commit stores nothing, a fault after it stores all; a stale writer gets `PersistenceConflict`
and stores nothing; an instance that raised is replaced by one that recovers exactly the
store's state, from its latest snapshot. Where the docs leave a choice (a write cancelled in
flight, a write failed by another's fault in its SQLite batch) it takes the store's word, but
only all or nothing of the write, and the instance must then hold what the store holds."""

from __future__ import annotations

from dataclasses import dataclass, field

from .durable_model_support import Cmd, Outcome, Recovered

STORED_AFTER = {"lost": False, "commit": False, "doubt": True}
"""Whether a write whose own fault fired is in the store. A write the store reports failed
that it stored after all (`doubt`) is read back and returns as stored: a `PersistenceError`
means its write is not in the store."""


class Divergence(AssertionError):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise Divergence(message)


@dataclass
class Round:
    """What the store did in one step, beside the tape: the faults that fired (by command),
    and whether others' writes may have failed with them (SQLite: the whole batch fails)."""

    fired: dict[int, str]
    batches: bool

    @property
    def shared_fates(self) -> set[bool]:
        """Whether a write failed by another's fault may be stored (after that one's COMMIT)."""
        if not self.batches:
            return set()
        return {STORED_AFTER[mode] for mode in self.fired.values() if mode in STORED_AFTER}


@dataclass(frozen=True)
class Left:
    """A background write as it began: stale, stored."""

    stale: bool
    stored: bool
    before: int
    instance: int
    owed: bool
    """Its instance may owe a snapshot, which it takes if its write returns."""


@dataclass
class Journal:
    """One persistence id: its events (a `DurableState`'s list, one value per revision), the
    sequence numbers its latest snapshot may have, and its live instance's state."""

    persistence_id: str
    event_sourced: bool
    events: list[int] = field(default_factory=list)
    snapshots: set[int] = field(default_factory=lambda: {0})
    every: int = 0
    view: list[int] | None = None
    """The live instance's state; None while none runs (stopped, or replaced after raising)."""
    instance: int = 0
    """Counts the instances (recoveries)."""
    left: dict[int, Left] = field(default_factory=dict)
    """Background writes begun and not yet ended, by command."""
    owed: bool = False
    """The live instance may owe a snapshot (a persist crossed a mark, cancelled)."""

    @property
    def alive(self) -> bool:
        return self.view is not None

    def recovered(self, entry: Recovered) -> None:
        pid = self.persistence_id
        check(entry.state == self.events, f"{pid}: recovered {entry.state}, stored {self.events}")
        if self.event_sourced:
            restored = entry.restored or 0
            check(restored in self.snapshots, f"{pid}: restored snapshot {restored}")
            check(restored + entry.replayed == len(self.events), f"{pid}: replayed otherwise")
        self.view = list(self.events)
        self.instance += 1
        self.owed = False

    def rival(self, value: int) -> None:
        """Another writer (a split brain) stored `value` behind the live instance's back."""
        self.events.append(value)

    def play(self, entries: list[Recovered | Outcome], cmds: list[Cmd], final: list[int],
             step: Round) -> list[Cmd]:  # fmt: skip
        """Checks the tape of one step against the model and the store's `final` events;
        returns the commands that were never handled (stopped first)."""
        pending = {cmd.id: cmd for cmd in cmds}
        by_id = dict(pending)
        for entry in entries:
            if isinstance(entry, Recovered):
                self.recovered(entry)
                continue
            if not entry.handler:
                if entry.outcome == "began":
                    self.began(by_id[entry.cmd], entry, final)
                else:
                    self.ended(by_id[entry.cmd], entry, step)
                continue
            cmd = pending.pop(entry.cmd)
            check(self.alive, f"{self.persistence_id}: cmd {cmd.id} ran on no live instance")
            self.handled(cmd, entry, final, step)
        pid = self.persistence_id
        check(list(pending) == [cmd.id for cmd in cmds[len(cmds) - len(pending) :]],
              f"{pid}: a command was skipped")  # fmt: skip
        for cmd in pending.values():
            check(not _stored(cmd, final, pid), f"{pid}: cmd {cmd.id}, never handled, is stored")
        check(final == self.events, f"{pid}: the store holds {final}, the model {self.events}")
        return list(pending.values())

    def handled(self, cmd: Cmd, entry: Outcome, final: list[int], step: Round) -> None:
        pid, outcome, own = self.persistence_id, entry.outcome, step.fired.get(cmd.id)
        if cmd.kind != "write" or not cmd.values:
            expected = {"crash": "Boom", "background": "started"}.get(cmd.kind, "done")
            if cmd.crash_after:
                expected = "Boom"
            check(outcome == expected, f"{pid}: cmd {cmd} was {outcome}")
            check(own is None, f"{pid}: a fault fired for {cmd}, which wrote nothing")
            stored = False
        else:
            stored = self.write(cmd, outcome, own, final, step)
        assert self.view is not None
        before = len(self.events)
        if stored:
            self.events += cmd.values
            # Applied, unless it raised, or its read-back after a cancellation failed
            if outcome != "failed" and own != "unread":
                self.view += cmd.values
        if outcome in ("done", "cancelled", "failed", "started"):
            check(entry.state == self.view, f"{pid}: holds {entry.state}, not {self.view}")
        else:
            self.view = None  # replaced: the next entry is the new instance's recovery
        if stored and self.event_sourced and outcome in ("done", "Boom", "cancelled"):
            self.snapshot(
                cmd, before, "cancelled" if outcome == "cancelled" else "returned", own, step
            )

    def write(self, cmd: Cmd, outcome: str, own: str | None, final: list[int], step: Round) -> bool:
        """Whether the write is stored, once its outcome is checked."""
        pid, stale = self.persistence_id, self.view != self.events
        stored = _stored(cmd, final, pid)
        what = f"{pid}: cmd {cmd} ({'stale' if stale else 'up to date'}) was {outcome}, " + (
            "stored" if stored else "not stored"
        )
        if outcome == "failed":  # a PersistenceError the handler caught
            check(cmd.swallow, what)
            outcome = "PersistenceError"
        if stale or outcome == "PersistenceConflict":
            allowed = {"PersistenceConflict", "cancelled"}
            if own in STORED_AFTER or step.shared_fates:
                allowed.add("PersistenceError")
            check(stale and outcome in allowed and not stored, what)
        elif outcome in ("done", "Boom"):
            check(stored and own in (None, "snapshot", "doubt"), what)
            check(outcome == ("Boom" if cmd.crash_after else "done"), what)
        elif outcome == "cancelled":
            check(cmd.cancel_after is not None, what)
            check(own in (None, "unread"), what)
        elif outcome == "PersistenceError" and own in STORED_AFTER:
            check(not stored and not STORED_AFTER[own], what)
        # A read fault (`unread`, `snapshot`) fails no write: another's fault in its batch did
        else:
            check(outcome == "PersistenceError" and not stored and False in step.shared_fates, what)
        return stored

    def began(self, cmd: Cmd, entry: Outcome, final: list[int]) -> None:
        """A background write begins on the live instance: where its events go in the journal
        if stored, since nothing else is written to the id before it ends (the instance's next
        write waits for it, `Recording.after_left`; the next one's recovery waits for it)."""
        pid = self.persistence_id
        check(entry.state == self.view, f"{pid}: {cmd} began on {entry.state}, not {self.view}")
        stale = self.view != self.events
        stored = _stored(cmd, final, pid)
        check(not (stored and stale), f"{pid}: {cmd} is stored, stale")
        left = Left(stale, stored, len(self.events), self.instance, self.owed)
        self.left[cmd.id] = left
        if stored:
            self.events += cmd.values
            every, after = self.every, len(self.events)
            if every and (after // every > left.before // every or self.owed):
                # Its snapshot may land (and be recovered from) before the write ends here
                self.snapshots.add(after)

    def ended(self, cmd: Cmd, entry: Outcome, step: Round) -> None:
        pid, left = self.persistence_id, self.left.pop(cmd.id)
        outcome = entry.outcome.removeprefix("left ")
        what = f"{pid}: background {cmd} ({left}) ended {outcome}"
        if not cmd.values:
            check(outcome == "done", what)
            return
        if left.stale:  # not stored (`began`)
            allowed = {"PersistenceConflict", *(["PersistenceError"] if step.shared_fates else [])}
            check(outcome in allowed, what)
        elif outcome == "done":
            check(left.stored, what)
        else:
            check(
                outcome == "PersistenceError" and not left.stored and False in step.shared_fates,
                what,
            )
        live = left.instance == self.instance and self.view is not None
        if live and outcome == "done":
            assert self.view is not None
            self.view += cmd.values
            check(entry.state == self.view, f"{pid}: holds {entry.state}, not {self.view}")
        if outcome == "done" and self.event_sourced:
            how = "returned" if live else "retired"
            self.snapshot(cmd, left.before, how, None, step, owed=left.owed)

    def snapshot(
        self, cmd: Cmd, before: int, how: str, own: str | None, step: Round, owed: bool = False
    ) -> None:
        """A stored persist (`how` it ended: returned, cancelled, or on an instance retired
        meanwhile) whose events crossed a multiple of `snapshot_every` saved a snapshot,
        unless its own snapshot fault fired. It may not have when it was cancelled (then the
        instance's next persist that returns takes it) or retired (its snapshot may land
        after the next instance's), and on SQLite when another's fault failed its batch.
        A snapshot owed (`owed`: by a retired instance when its write began) goes with the
        next persist that returns, marks or not."""
        every, after = self.every, before + len(cmd.values)
        crossed = bool(every) and after // every > before // every
        owed = owed if how == "retired" else self.owed
        check((own == "snapshot") <= (crossed or owed), f"{self.persistence_id}: {after}")
        if how != "returned":
            self.owed |= crossed and how == "cancelled"
            if crossed or owed:
                self.snapshots.add(after)
            return
        if crossed and own != "snapshot" and not step.shared_fates:
            self.snapshots = {after}
        elif (crossed or owed) and own != "snapshot":
            self.snapshots.add(after)  # owed only if the cancelled one had not saved it
        self.owed = False

    def settle(self, snapshot: int, snapshot_events: list[int] | None) -> None:
        """After a step: the store's snapshot is one the model allowed, of the events then."""
        pid = self.persistence_id
        check(snapshot in self.snapshots, f"{pid}: snapshot at {snapshot}, not {self.snapshots}")
        if snapshot:
            check(snapshot_events == self.events[:snapshot], f"{pid}: snapshot holds otherwise")
        self.snapshots = {snapshot}


def _stored(cmd: Cmd, final: list[int], pid: str) -> bool:
    """Whether the write's values are in the store: all of them in a row, or none."""
    present = [value in final for value in cmd.values]
    check(all(present) or not any(present), f"{pid}: cmd {cmd} is half-written: {final}")
    if not any(present):
        return False
    start = final.index(cmd.values[0])
    check(tuple(final[start : start + len(cmd.values)]) == cmd.values, f"{pid}: {cmd} torn")
    return True
