"""`EventSourced`: state as the fold of a journal of events (API.md §11).

`persist` encodes every event before anything is written, so an event the codec refuses is a
`TypeError` and the journal is untouched; the store writes all of them or none, fenced by the
sequence number this instance last saw; only then are they applied, in order.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from time import perf_counter
from typing import Any, ClassVar

from .._errors import PersistenceConflict, PersistenceError
from .._hook_checks import hidden
from .._integers import integer
from .._shown import class_qualname, given, shown, traced
from ._attributes import OPTIONS, attributes
from ._binding import encode, encode_all
from ._durable import Durable
from ._evolution import pass_over, snapshot_decoded, unfit
from ._landed import stored as _stored
from ._replay import reaches, replay
from ._service import cancel_requests, cancelled_since, guarded, store_failure
from ._store import StoredRecovery

logger = logging.getLogger("actorkit")

_PLAIN_HOOKS = ("apply", "snapshot", "restore")
"""Called where nothing awaits them (after each persist, in recovery): an `async def` one
would change no state, and its coroutine would be dropped with a warning."""


class EventSourced(Durable):
    """An actor whose state is rebuilt from its events on every start and restart.

    Override `apply(event)` (a pure state change), and `snapshot()`/`restore(snapshot)` when
    `snapshot_every` is set, so that recovery reads the latest snapshot and the events after
    it instead of the whole history.
    """

    snapshot_every: int = 0
    """Take a snapshot every this many events; 0 never. Set on the class, or by `__init__`
    (each actor its own): read and checked as each instance starts, and no part of the
    state its default snapshot keeps."""

    _journal: ClassVar[bool] = True

    _unspawnable: ClassVar[str | None] = (
        "EventSourced is a base class: spawn a subclass that defines apply(self, event)"
    )

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for hook in _PLAIN_HOOKS:
            method = inspect.unwrap(getattr(cls, hook))
            if inspect.iscoroutinefunction(method) or inspect.isasyncgenfunction(method):
                raise TypeError(
                    f"{class_qualname(cls)}.{hook} must be a plain def, not async: it runs after "
                    "each persist and in recovery, where nothing awaits it, so its changes "
                    "would be lost; await what you need in the handler, before persist"
                )
        cls._unspawnable = _missing_apply(cls)
        every = _cadence(cls.snapshot_every, cls)
        if type(cls.snapshot_every) is not int:  # persist divides by the plain int
            cls.snapshot_every = every
        own_snapshot = cls.snapshot is not EventSourced.snapshot
        if own_snapshot != (cls.restore is not EventSourced.restore):
            has, lacks = ("snapshot", "restore") if own_snapshot else ("restore", "snapshot")
            raise TypeError(
                f"{class_qualname(cls)} defines {has}() but not {lacks}(): define both (what to "
                "keep, and how to set it back) or neither (the instance's attributes are kept)"
            )

    def apply(self, event: Any) -> None:
        """Change the state by one event; runs after `persist` and during recovery."""
        raise NotImplementedError(f"{class_qualname(type(self))} must define apply(self, event)")

    def snapshot(self) -> object:
        """The state as one value the codec can store (registered types, plain data). By
        default every attribute of the instance, by name (what `__init__` and the handlers
        set), so that `snapshot_every` alone works for an actor whose state is plain data, as
        Akka Typed snapshots a behaviour's state; an actor holding a ref (a child, a peer), a
        client or a lock defines `snapshot` and `restore` to keep only its state."""
        return attributes(self)

    def _configured(self) -> None:
        """The cadence checked once `__init__` has run, as the class statement checks it: a
        bad one set there (or on the class since) would otherwise fail each persist after
        its events were stored."""
        self._durable.snapshot_every = _cadence(self.snapshot_every, type(self))

    def restore(self, snapshot: Any) -> None:
        """Set the state from what `snapshot()` returned; by default its attributes back."""
        if type(snapshot) is not dict:  # taken by an earlier version's own `snapshot()`
            raise TypeError(
                f"the stored snapshot of {class_qualname(type(self))} is a "
                f"{type(snapshot).__name__}, not the dict of attributes the default restore() "
                "sets back: define restore(self, snapshot) for what snapshot() used to return"
            )
        for name, value in snapshot.items():
            if name not in OPTIONS:  # a cadence kept by an earlier version: not state
                setattr(self, name, value)

    async def persist(self, *events: object) -> None:
        """Write the events (all or none), durable on return; then apply each, in order.

        Each argument is one event (a list is one event: unpack a batch, `persist(*events)`);
        with none, nothing is written or applied (refused all the same from an instance
        that may not write, as below).

        `TypeError` before anything is written when the codec refuses one; `PersistenceError`
        when the store fails and does not hold them (one that reported a failure but stored
        them, a commit whose answer was lost, returns as stored); `PersistenceConflict` when
        another writer of this persistence id wrote first (this instance's state is stale:
        let the supervisor restart it); `ActorStopped`, with nothing written, once this
        instance was replaced by a restart or its actor stopped. Called while another persist
        or save of the instance is in flight (`asyncio.gather`, a task), it commits after
        that one, in call order.
        """
        binding = self._durable
        busy = binding.busy
        if busy is not True and busy:  # recovering, or this instance was replaced or stopped
            raise binding.refusal("persist")
        if not events:  # checked after: an instance that may not write is told so, even empty
            return
        began = perf_counter()
        payloads = encode_all(events, "event")
        cancelled: asyncio.CancelledError | None = None
        if binding.busy:  # another write in flight: this one commits after it
            await binding.turn("persist")
        binding.busy = True
        landed = False  # the turn goes on here if not, else once `apply` did not raise
        try:  # `guarded`, written out: no coroutine or message built per persist
            await binding.store.append(binding.persistence_id, binding.seq, payloads)
            landed = True
        except Exception as error:
            # A commit in doubt (its answer lost) may have stored them: then the persist
            # succeeded, and an error would have its caller write them again.
            requests = cancel_requests()
            if isinstance(error, PersistenceConflict) or not await _stored(binding, payloads):
                binding.failed("persist", error)
                if (cancelled := cancelled_since(requests)) is not None:
                    raise cancelled from error
                if isinstance(error, PersistenceError):
                    raise
                what = f"persisting {len(payloads)} event(s) of {binding.persistence_id!r}"
                raise store_failure(error, what) from error
            cancelled = cancelled_since(requests)
            landed = True
        except asyncio.CancelledError as error:
            # Its write may have committed all the same: then the events are applied before
            # the cancellation goes on, as after a persist that returned.
            if not (found := await _stored(binding, payloads)):
                binding.abandoned("persist", found)  # those called after it write nothing
                raise
            cancelled = error
            landed = True
        finally:
            if not landed:
                binding.end_write()
        before = binding.seq
        binding.seq += len(payloads)
        stats = binding.stats
        if stats is not None:
            stats.events_persisted += len(payloads)
            stats.persist_seconds.observe(perf_counter() - began)
        try:
            for event in events:
                self.apply(event)
        except BaseException as error:
            binding.stale = True  # the events are stored: only a recovery applies them all
            binding.apply_failed(error)  # its caller's later writes would not have run
            raise
        finally:  # `Binding.end_write`, written out: a comparison, no call
            if binding.busy is True and not binding.waiting:
                binding.busy = False
            else:
                binding.end_write()
        every = binding.snapshot_every
        if every and (binding.seq // every > before // every or binding.snapshot_owed):
            # A persist cancelled once stored leaves its snapshot to the next one that returns,
            # rather than keep its caller waiting for it, or skip it until the next mark.
            binding.snapshot_owed = cancelled is not None
            if cancelled is None:
                await self._save_snapshot()
        if cancelled is not None:
            raise cancelled

    async def _save_snapshot(self) -> None:
        binding = self._durable
        name = class_qualname(type(self))
        if type(self).snapshot is EventSourced.snapshot:
            what = (
                f"the default snapshot() of {name} (every attribute of the instance; define "
                "snapshot(self) and restore(self, snapshot) to keep only its state)"
            )
        else:
            what = f"snapshot() of {name}"
        try:
            payload = encode(self.snapshot(), what)
        except Exception as error:
            # The persist's events are stored and applied: failing it would have its caller
            # send them again (Akka fails no persist for a snapshot either). Logged with the
            # traceback, since this one is the actor's own (its hook, or a value it keeps).
            binding.failed("snapshot", error)
            logger.error(
                "snapshot of %s at %d not taken (the persist's events are stored): %s",
                binding.persistence_id, binding.seq, shown(error), exc_info=traced(error),
            )  # fmt: skip
            return
        try:
            await guarded(
                binding.store.save_snapshot(binding.persistence_id, binding.seq, payload),
                f"saving a snapshot of {binding.persistence_id!r}",
            )
        except asyncio.CancelledError:  # its caller's: perhaps not saved, so still owed
            binding.snapshot_owed = True
            raise
        except Exception as error:
            # The events are durable: only recovery time is lost, so the persist succeeded.
            binding.failed("snapshot", error)
            logger.warning(
                "snapshot of %s at %d not saved: %s",
                binding.persistence_id, binding.seq, shown(error),
            )  # fmt: skip

    async def _load(self, loaded: StoredRecovery) -> int:
        binding = self._durable
        snapshot = loaded.snapshot
        if snapshot is None or self._restored(snapshot.payload, f"snapshot {snapshot.seq}"):
            seq = 0 if snapshot is None else snapshot.seq
            more = loaded.read_on_from if loaded.more else None
            replayed = await replay(self.apply, binding, seq, loaded.events, more)
            if snapshot is not None and not replayed:
                reaches(binding.persistence_id, snapshot.seq, loaded.highest_seq)
            return replayed
        return await replay(self.apply, binding, 0, (), 1)  # passed over: from the first event

    def _restored(self, payload: bytes, what: str) -> bool:
        """Restores a snapshot, unless it no longer fits the class (a deploy changed what it
        holds): the events it stands for are all in the journal, so replaying them gives
        the state it would have, where failing would leave the actor down for a copy."""
        binding = self._durable
        snapshot, why = snapshot_decoded(payload, what, binding.persistence_id)
        if why is None and type(self).restore is EventSourced.restore:
            unfitting = unfit(snapshot, attributes(self), type(self))
            if unfitting is not None:
                pid, cls = binding.persistence_id, class_qualname(type(self))
                why = f"{what} of {pid!r} was taken by an earlier shape of {cls}: {unfitting}"
        if why is not None:
            pass_over(why, binding.snapshot_every)
            binding.snapshot_owed = True  # else every recovery replays until the next mark
            return False
        self.restore(snapshot)
        return True


def _cadence(value: object, cls: type) -> int:
    """`snapshot_every` as a plain int, or the error that says what to set."""
    words = f"{class_qualname(cls)}.snapshot_every must be an int >= 0 (0 = never), got"
    every = integer(value, words)
    if every < 0:
        raise ValueError(f"{words} {given(value)}")
    return every


def _missing_apply(cls: type[EventSourced]) -> str | None:
    """Refused at spawn, not where the class is defined: a base class of the user's may leave
    `apply` to its subclasses, but an actor without one would write its first event and then
    fail, and fail every recovery after."""
    if cls.apply is not EventSourced.apply:
        return None
    name = class_qualname(cls)
    mixed = hidden(cls, EventSourced, "apply")
    if mixed is not None:
        return f"{name} has no apply(self, event) of its own: {mixed}"
    return (
        f"{name} defines no apply(self, event): an EventSourced actor changes its "
        "state there, after each persist and in recovery; define "
        "`def apply(self, event: object) -> None` (a plain def)"
    )
