"""Agents' state history made durable: `ActorSystem(store=..., agent_history=True)`.

Every change the task layer sees in an agent (idle, busy, restarting, stopped, and each task
it takes) becomes an `AgentChange` event in the journal `agents/<system name><agent path>`.
The task layer calls `record` (the sink it was handed: `_tasks` knows nothing of stores) on
the dispatch path, so `record` only buffers. One writer task per system drains the buffer:
one append per agent per round, all of a round's appends awaited together so that the store's
group commit carries them in one transaction.
"""

from __future__ import annotations

import asyncio
import logging
import reprlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .._errors import PersistenceConflict
from .._persistence_id import MAX_PERSISTENCE_ID, plain, unstorable
from .._registry import message
from .._shown import given
from ._base import decoded_events
from ._history_buffer import Change, Pending, pause
from ._payload import encode

if TYPE_CHECKING:
    from prometheus_client.core import Metric

    from ._service import Persistence
    from ._store import Store

_log = logging.getLogger("actorkit.persistence")

MAX_BUFFERED = 100_000
"""Changes waiting for the writer or being written, all agents together: bounds memory while
the store is down or slow."""
ATTEMPTS = 6
"""Rounds a change is tried in before it is dropped, with backoff between them."""
CONFLICT_RETRIES = 3
"""Re-reads, within one round, of a journal another writer has moved on."""


@message("actorkit.AgentChange")
@dataclass(frozen=True, slots=True)
class AgentChange:
    """One change of an agent's state, as its durable history keeps it."""

    time: float
    """Wall-clock seconds since the epoch (a `ManualClock`'s own time in tests)."""
    state: str
    """`idle`, `busy`, `restarting` or `stopped`, as in `AgentInfo.state`."""
    task: int | None = None
    """The id of the task it held (`TaskHandle.id`), None when it held none."""


def history_id(system: str, path: object) -> str:
    """The persistence id of an agent's durable history: `agents/<system name><path>`."""
    if not isinstance(path, str):
        raise TypeError(f"path must be an agent's path such as '/workers/w1', got {given(path)}")
    path = plain(path)  # formatted into the id: a str subclass's __format__ must not run
    persistence_id = f"agents/{system}{path}"
    if (
        not path.startswith("/")
        or not path.isprintable()
        or unstorable("the persistence id", persistence_id) is not None
    ):
        raise ValueError(
            f"path must be an agent's path such as '/workers/w1' (printable, at most "
            f"{MAX_PERSISTENCE_ID} characters (bytes of UTF-8) with 'agents/{system}' before "
            f"it), got {reprlib.repr(path)}"
        )
    return persistence_id


class HistoryWriter:
    """The buffer `record` fills, and the one task that writes it to the store."""

    def __init__(self, service: Persistence, system: str) -> None:
        self._service = service
        self._system = system
        self._pending = Pending()
        self._heads: dict[str, int] = {}
        """The latest sequence number of each journal written to: read once per agent. Keyed
        by agent path, so that a dropped `stopped` forgets its agent's head without building
        the id, which fails for a path too long to have one."""
        self._doubt: dict[str, tuple[int, int]] = {}
        """By agent path, the head a failed append was made after and how many changes it
        carried, when reading the journal back could not tell whether it landed: checked
        again before they are tried again."""
        self._wakeup: asyncio.Future[None] | None = None
        self._pause: asyncio.Future[None] | None = None
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._closed = False
        self._unreported = 0
        self._error: Exception | None = None
        self.written: int = 0
        self.dropped: int = 0

    def record(self, path: str, state: str, task: int | None) -> None:
        """The task layer's sink, called on the dispatch path: it only buffers."""
        pending = self._pending
        if pending.held >= MAX_BUFFERED or self._closed:
            self.dropped += 1
            self._unreported += 1
            if state == "stopped":  # as its write would have: heads stay bounded
                self._heads.pop(path, None)
            if self._closed:
                self._report("the system has closed its store")
            return
        pending.add(path, self._service.wall_now(), state, task)
        wakeup = self._wakeup
        if wakeup is not None:
            self._wakeup = None
            if not wakeup.done():  # else cancelled with the writer: the loop is ending
                wakeup.set_result(None)
        elif self._task is None:
            self._task = self._service.runtime.loop.create_task(self._run())

    async def flush(self) -> None:
        """Return once every change recorded before the call is written or dropped."""
        await self._pending.finished(self._pending.recorded)

    async def close(self) -> None:
        """Write what is buffered, then stop. Failures now drop at once instead of backing
        off, so this takes one round per batch of the agents' last changes."""
        self._closing = True
        wakeup, self._wakeup = self._wakeup, None  # a `record` meanwhile must not wake it again
        for waiter in (wakeup, self._pause):
            if waiter is not None and not waiter.done():
                waiter.set_result(None)
        if self._task is not None:  # ended by a store's `CancelledError`, not this caller's
            await asyncio.wait((self._task,))
        self._closed = True
        self._report("the buffer was full")

    async def _run(self) -> None:
        try:
            await self._rounds()
        finally:
            # Closed from here, not only once `close` resumes: callbacks that run in between
            # may `record`, and no writer is left to take what they buffer.
            self._closed = True
            left = self._pending.release_all()
            if left:  # a store's `BaseException` (not an `Exception`) ended the writer
                self.dropped += left
                self._unreported += left
                self._report("its writer ended")

    async def _rounds(self) -> None:
        failures = 0
        pending = self._pending
        loop = self._service.runtime.loop
        while pending.size or not self._closing:
            if not pending.size:
                self._wakeup = loop.create_future()
                await self._wakeup
                continue
            failed = await self._write_round(pending.take())
            if failed and (self._closing or failures + 1 >= ATTEMPTS):
                self._drop(failed, "at shutdown" if self._closing else f"after {ATTEMPTS} tries")
                failed = {}
            pending.put_back(failed)
            self._report("the buffer was full")
            failures = failures + 1 if failed else 0
            if failed:
                self._pause = loop.create_future()
                await pause(self._service.runtime.clock, self._pause, failures)
                self._pause = None

    async def _write_round(self, batch: dict[str, list[Change]]) -> dict[str, list[Change]]:
        """Append every agent's changes at once; return those whose append failed."""
        paths = list(batch)
        outcomes = await asyncio.gather(
            *(self._append(path, batch[path]) for path in paths), return_exceptions=True
        )
        failed: dict[str, list[Change]] = {}
        for path, outcome in zip(paths, outcomes, strict=True):
            if isinstance(outcome, ValueError):  # no store takes it: trying again cannot help
                self._error = outcome
                self._drop({path: batch[path]}, "at once")
            elif isinstance(outcome, Exception):
                failed[path] = batch[path]
                self._error = outcome
            elif isinstance(outcome, BaseException):
                raise outcome
        return failed

    async def _append(self, path: str, changes: list[Change]) -> None:
        persistence_id = history_id(self._system, path)
        payloads = [encode(AgentChange(time, state, task)) for _, time, state, task in changes]
        store = self._service.store
        doubt = self._doubt.get(path)
        if doubt is not None:  # a read failing now fails the round again, the doubt kept
            head, count = doubt
            stored = await _after(store, persistence_id, head)
            del self._doubt[path]
            if stored[:count] == payloads[:count]:  # it landed: not to be written again
                self.written += count
                last = changes[count - 1][2]
                del changes[:count]  # what goes back to the buffer if this round fails
                payloads = payloads[count:]
                if changes or (last != "stopped" and path in self._service.runtime.live):
                    self._heads[path] = head + count
                if not changes:
                    return
        for _ in range(CONFLICT_RETRIES):
            # Taken out: after a failure whose commit is in doubt, the head is read again.
            expected = self._heads.pop(path, None)
            if expected is None:
                expected = await store.highest_seq(persistence_id)
            try:
                await store.append(persistence_id, expected, payloads)
            except PersistenceConflict:
                continue  # another system of this name wrote there: read its head again
            except Exception:
                landed = await _landed(store, persistence_id, expected, payloads)
                if landed is None:
                    self._doubt[path] = (expected, len(payloads))
                if not landed:
                    raise
            self.written += len(payloads)
            if changes[-1][2] != "stopped" and path in self._service.runtime.live:
                # Forgotten once stopped (its `stopped` written, or dropped): heads stay bounded
                self._heads[path] = expected + len(payloads)
            return
        raise PersistenceConflict(f"{persistence_id!r} kept moving on under other writers")

    def _drop(self, failed: dict[str, list[Change]], why: str) -> None:
        count = sum(len(changes) for changes in failed.values())
        for path in failed:
            self._doubt.pop(path, None)  # what comes next for it is newer: no longer in doubt
        self.dropped += count
        _log.warning(
            "agent history of system %r: dropped %d state changes of %d agents %s: %r",
            self._system,
            count,
            len(failed),
            why,
            self._error,
        )

    def _report(self, why: str) -> None:
        """Log the changes `record` could not buffer, in one line per round."""
        if self._unreported:
            count, self._unreported = self._unreported, 0
            _log.warning(
                "agent history of system %r: dropped %d state changes: %s",
                self._system,
                count,
                why,
            )


async def _landed(
    store: Store, persistence_id: str, expected: int, payloads: list[bytes]
) -> bool | None:
    """Whether a failed append is in the journal after all (its commit's answer lost): tried
    again, its changes would show twice. Each change's time makes its payload its own. None
    when the store cannot tell: the round is tried again, after checking this again."""
    try:
        stored = await _after(store, persistence_id, expected)
    except Exception:
        return None
    return stored[: len(payloads)] == payloads


async def _after(store: Store, persistence_id: str, head: int) -> list[bytes]:
    return [event.payload async for event in store.read(persistence_id, head + 1)]


async def read_history(service: Persistence | None, system: str, path: object) -> list[AgentChange]:
    """An agent's durable history, oldest first, once what is buffered is written."""
    persistence_id = history_id(system, path)
    writer = None if service is None else service.history
    if service is None or writer is None:
        raise ValueError(
            f"actor system {system!r} keeps no durable agent history: create it with "
            "ActorSystem(..., store=..., agent_history=True)"
        )
    await writer.flush()
    return [
        event
        async for _, _, event in decoded_events(service.store.read, persistence_id)
        if isinstance(event, AgentChange)
    ]


def collect(writer: HistoryWriter) -> Iterator[Metric]:
    from prometheus_client.core import CounterMetricFamily

    for name, value, doc in (
        ("written", writer.written, "Agents' state changes written to their durable history"),
        ("dropped", writer.dropped, "Agents' state changes the durable history had to drop"),
    ):
        yield CounterMetricFamily(f"actorkit_agent_history_{name}", doc, value=value)
