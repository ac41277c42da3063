"""The ledger that follows every chaos `Job` to its fate, and the fingerprint of a whole run
that `test_replay.py` compares between two runs of the same seed."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from actorkit import DeadLetter

if TYPE_CHECKING:
    from actorkit import ActorSystem


class ChaosError(Exception):
    """The only exception chaos injects into handlers, so that real bugs stand out."""


@dataclass(frozen=True)
class Job:
    """A uniquely numbered message; `action` says what the worker does with it."""

    id: int
    action: str = "ok"  # ok | crash | slow | wait | stop | swallow
    spins: int = 0


@dataclass
class Ledger:
    """Where every `Job` ended, recorded by the workers and the dead-letter listener, keyed
    by (job id, actor path) so that a job handled twice by the same actor is caught. `events`
    keeps every fate in the order it happened, for the run's fingerprint."""

    processed: list[tuple[int, str]] = field(default_factory=list)
    crashed: list[tuple[int, str]] = field(default_factory=list)
    dead: list[tuple[int, str | None]] = field(default_factory=list)
    events: list[tuple[str, int, str | None, str]] = field(default_factory=list)
    """(fate, job id, actor path, dead-letter reason or "") in order."""
    told: set[int] = field(default_factory=set)
    """Jobs a tell/send handed over (to a live or a stopped actor), not refused."""
    refused: set[int] = field(default_factory=set)
    """Jobs refused with `MailboxFull`: the sender knows; they must appear nowhere."""
    abandoned: set[int] = field(default_factory=set)
    """Sends given up while waiting for room: never delivered."""
    ok_asks: dict[int, object] = field(default_factory=dict)
    failed_asks: dict[int, BaseException] = field(default_factory=dict)

    def attach(self, system: ActorSystem) -> None:
        system.dead_letters.listen(self._dead_letter)

    def was_processed(self, job: int, path: str) -> None:
        self.processed.append((job, path))
        self.events.append(("processed", job, path, ""))

    def was_crashed(self, job: int, path: str) -> None:
        self.crashed.append((job, path))
        self.events.append(("crashed", job, path, ""))

    def _dead_letter(self, letter: DeadLetter) -> None:
        if isinstance(letter.message, Job):
            job = letter.message.id
            self.dead.append((job, letter.recipient))
            self.events.append(("dead", job, letter.recipient, letter.reason))

    def fates(self) -> Counter[int]:
        """How many times each job id ended somewhere."""
        return Counter(job for job, _ in [*self.processed, *self.crashed, *self.dead])

    def check(self, *, settled: bool) -> None:
        """Nothing was handled twice; refused jobs went nowhere; answered asks were processed
        and failed ones were not; and once `settled` (after shutdown), every told job ended
        exactly once: processed, crashed or dead-lettered."""
        pairs = [*self.processed, *self.crashed, *self.dead]
        twice = [pair for pair, count in Counter(pairs).items() if count > 1]
        assert not twice, f"jobs that ended twice at the same actor: {twice[:10]}"
        fates = self.fates()
        assert not [job for job in self.refused if fates[job]], "a refused job was delivered"
        ghosts = [job for job in self.abandoned if fates[job]]
        assert not ghosts, f"sends given up while waiting for room were delivered: {ghosts[:10]}"
        processed = {job for job, _ in self.processed}
        crashed = {job for job, _ in self.crashed}
        for job in self.ok_asks:
            assert job in processed and job not in crashed, f"answered ask {job} not processed"
        for job, error in self.failed_asks.items():
            if isinstance(error, ChaosError):
                assert job in crashed, f"ask {job} got the handler's error but no crash recorded"
            elif not isinstance(error, TimeoutError):
                assert job not in processed, f"ask {job} failed with {error!r} yet was processed"
        if settled:
            lost = sorted(job for job in self.told if fates[job] == 0)
            assert not lost, f"{len(lost)} told jobs lost: {lost[:10]}"
            extra = sorted(job for job in self.told if fates[job] > 1)
            assert not extra, f"told jobs that ended more than once: {extra[:10]}"


@dataclass(frozen=True)
class Fingerprint:
    """Everything a run decided: each job's fate in order, what each sender and asker was
    told, the dead letters by reason, each class's failures, restarts and give-ups, and what
    the scenario adds (task outcomes, the shutdown's path). Two runs of a seed are the same
    run exactly when their fingerprints are equal."""

    events: tuple[tuple[str, int, str | None, str], ...]
    senders: tuple[tuple[str, tuple[int, ...]], ...]
    asks: tuple[tuple[int, str], ...]
    dead_letters: tuple[tuple[str, int], ...]
    supervision: tuple[tuple[str, tuple[tuple[str, int], ...], int, int], ...]
    """(class, failures by exception type, restarts, give-ups) per actor class."""
    extra: tuple[object, ...]

    def digest(self) -> str:
        return hashlib.sha256(repr(self).encode()).hexdigest()[:16]

    def first_difference(self, other: Fingerprint) -> str:
        """Where two runs parted ways, for the failure message."""
        for name in self.__dataclass_fields__:
            mine, theirs = getattr(self, name), getattr(other, name)
            if mine == theirs:
                continue
            for index, (a, b) in enumerate(zip(mine, theirs, strict=False)):
                if a != b:
                    return f"{name}[{index}]: {a!r} != {b!r}"
            return f"{name}: {len(mine)} entries != {len(theirs)}"
        return "no difference"


def fingerprint(system: ActorSystem, ledger: Ledger, *extra: object) -> Fingerprint:
    asks = [(job, repr(answer)) for job, answer in ledger.ok_asks.items()]
    asks += [(job, type(error).__name__) for job, error in ledger.failed_asks.items()]
    stats = system.metrics.classes()
    fp = Fingerprint(
        events=tuple(ledger.events),
        senders=tuple(
            (name, tuple(sorted(jobs)))
            for name, jobs in [
                ("told", ledger.told),
                ("refused", ledger.refused),
                ("abandoned", ledger.abandoned),
            ]
        ),
        # Asks whose deadlines share a bucket fail together, in no defined order: by job.
        asks=tuple(sorted(asks)),
        dead_letters=tuple(sorted(system.dead_letters.by_reason.items())),
        supervision=tuple(
            sorted(
                (s.name, tuple(sorted(s.failures.items())), s.restarts, s.gave_up) for s in stats
            )
        ),
        extra=extra,
    )
    failures = sum(sum(s.failures.values()) for s in stats)
    accepted = system.accounting().accepted
    print(
        f"fingerprint {fp.digest()}: fates={len(fp.events)} failures={failures} "
        f"accepted={accepted} dead_letters={dict(fp.dead_letters)}"
    )
    return fp
