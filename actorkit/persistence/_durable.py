"""What `EventSourced` and `DurableState` share: the persistence id, the link to the system's
store, and recovery before `on_start`.

Recovery runs inside `on_start`, so the kernel needs no hook of its own: the base class
defines `on_start` (which also sends `spawn` down the path that waits for it), and any
subclass whose `on_start` is another (its own, or a mixin's ahead of the base in the MRO) has
it wrapped, when the class is made, to recover first; the base's own `on_start` goes on to
the next one in the MRO (an actor mixin placed after the base). `on_start` runs on every start
and restart before any message, which is exactly when recovery must.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from time import perf_counter
from typing import TYPE_CHECKING, Any, ClassVar, Self

from .._actor import Actor, Unspawned
from .._errors import PersistenceError
from .._provided import read_only
from .._shown import class_qualname
from .._watchdog_frames import phase
from ._binding import Binding
from ._other_kind import refusal, stored_elsewhere
from ._recovery import load_recovery
from ._reminders import Reminders, arm_all
from ._service import guarded
from ._store import StoredRecovery

if TYPE_CHECKING:
    from .._cell import Cell
    from .._system import ActorSystem
    from ._service import Persistence

Hook = Callable[[Any], Coroutine[Any, Any, None]]


def _bind(cell: Cell, cls: type) -> Binding:
    service: Persistence | None = cell.runtime.system._persistence
    if service is None:
        raise ValueError(
            f"{class_qualname(cls)} is a durable actor, but actor system {cell.runtime.name!r} has "
            "no store: pass one, e.g. ActorSystem(..., store=actorkit.persistence.SQLiteStore("
            "'app.db')) (MemoryStore() in tests)"
        )
    binding = Binding(service, cell, service.id_for(cell), cls.__name__)
    service.claim(binding)
    return binding


class Durable(Actor):
    """Base of the durable actor classes; users derive from `EventSourced` or `DurableState`."""

    _persistent: ClassVar[bool] = True
    _journal: ClassVar[bool] = False
    """Whether its recovery reads a snapshot and a journal (else a durable state)."""
    _unspawnable: ClassVar[str | None] = None
    """Why the class cannot be spawned yet (a hook it lacks), found where it is defined and
    raised at its spawn, before anything is written."""
    _durable: Binding
    _subclassed: ClassVar[type]
    """Set on each subclass by `__init_subclass__`, in its own namespace: a subclass whose
    own `__init_subclass__` (or a mixin's) left out `super()` has none, and its spawn is
    refused (`_own_names.check_class`) rather than run without recovery."""

    def __new__(cls, *args: Any, **kwargs: Any) -> Self:
        self = super().__new__(cls, *args, **kwargs)
        cell: Cell | Unspawned = self._cell  # not `__dict__`: see `_own_names.check_instance`
        if isinstance(cell, Unspawned):  # constructed outside `spawn`: `persist` says so
            self._durable = cell  # type: ignore[assignment]
        else:
            if cls._unspawnable is not None:
                raise TypeError(cls._unspawnable)
            self._durable = _bind(cell, cls)
        return self

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        hook = cls.on_start  # its own, or a mixin's that comes before Durable in the MRO
        if not getattr(hook, "recovers", False):
            cls.on_start = _after_recovery(hook)  # type: ignore[assignment]
        cls._subclassed = cls

    async def on_start(self) -> None:
        """Recovery, then the `on_start` next in the MRO: an actor mixin placed after the
        durable base (`class A(EventSourced, Mixin)`) is not skipped."""
        await recover(self)
        await super().on_start()

    on_start.recovers = True  # type: ignore[attr-defined]

    def _resumable(self) -> bool:
        return not self._durable.stale

    @property
    def persistence_id(self) -> str:
        """The key of this actor's journal, state and reminders in the store."""
        return self._durable.persistence_id

    @property
    def reminders(self) -> Reminders:
        """Durable timers: `await self.reminders.start(key, message, delay, every=None)`."""
        binding = self._durable
        if binding.reminders is None:
            binding.reminders = Reminders(self, binding)
        return binding.reminders

    def _configured(self) -> None:
        """Checks what `__init__` may have set of the class's options, before the store is
        read: a durable state has none (`EventSourced` has its `snapshot_every`)."""

    async def _load(self, loaded: StoredRecovery) -> int:
        """Bring the instance up to date from what its recovery read (and, for a long
        journal, the rest of it); returns the events replayed, which it counts itself
        (`events_replayed`), also those of a replay that fails part way."""
        raise NotImplementedError


for _attribute, _what in (
    ("persistence_id", "persistence id (spawn's persistence_id=, by default its path)"),
    ("reminders", "durable timers (self.reminders.start...)"),
):
    setattr(Durable, _attribute, read_only(getattr(Durable, _attribute), _attribute, _what))


def _after_recovery(hook: Hook) -> Hook:
    @functools.wraps(hook)
    async def on_start(self: Durable) -> None:
        await recover(self)
        await hook(self)

    on_start.recovers = True  # type: ignore[attr-defined]
    return on_start


async def recover(actor: Durable) -> None:
    """Once per instance: state from the store, then its reminders armed."""
    binding = actor._durable
    if binding.recovered:
        return
    binding.recovered = True
    actor._configured()
    began = perf_counter()
    if binding.after is not None:  # the previous instance's last writes: bounded by the store
        # Shielded: a recovery cut short (its actor stopped) leaves them to the next instance.
        await asyncio.shield(binding.after)
        binding.after = None
    stats = binding.stats
    pid = binding.persistence_id
    try:
        journal = actor._journal
        loaded = await guarded(
            load_recovery(binding.store, pid, journal), f"loading {pid!r} to recover it"
        )
        if await stored_elsewhere(binding.store, pid, journal, loaded):
            raise refusal(type(actor), pid, journal)
        await actor._load(loaded)
        arm_all(actor, binding, loaded.reminders)
    except Exception as error:
        if isinstance(error, PersistenceError):  # the store's, not `apply`'s or `restore`'s
            binding.failed("recovery", error)
        if stats is not None:  # timed only when finished: counted, else it shows nowhere
            stats.recovery_failures += 1
        raise
    binding.recovered_now()
    if stats is not None:
        stats.recovery_seconds.observe(perf_counter() - began)


phase(recover.__code__, "recovery")  # what the watchdog names, not the on_start it runs in


def persists(system: ActorSystem) -> bool:
    """Whether `describe` may find a durable actor in `system`: not without a store, which
    every durable actor's spawn requires (`_bind`)."""
    return system._persistence is not None


def describe(cell: Cell) -> dict[str, object] | None:
    """What `/actors` shows of a durable actor: its persistence id and sequence number. An
    actor waiting out a restart's backoff has no instance: its last instance's, which owns
    the id until the next one claims it, is shown. Only a durable instance is asked for its
    binding: on another, the name would reach the user's `__getattr__`, which may raise."""
    instance = cell.instance
    binding = instance._durable if isinstance(instance, Durable) else None
    if not isinstance(binding, Binding):
        service: Persistence | None = cell.runtime.system._persistence
        if instance is not None or service is None:
            return None
        persistence_id = service.ids.get(cell)
        binding = None if persistence_id is None else service.owners.get(persistence_id)
        if binding is None or binding.cell is not cell:
            return None
    return {"persistence_id": binding.persistence_id, "sequence_nr": binding.seq}
