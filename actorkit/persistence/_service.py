"""A system's side of its store: opening and closing it, the persistence ids given at spawn,
the wall clock that reminders keep, and the metrics. `ActorSystem(store=...)` builds one;
durable actors find it through their system."""

from __future__ import annotations

import asyncio
import functools
import weakref
from collections.abc import Awaitable
from typing import TYPE_CHECKING, TypeVar

from .._errors import NameTaken, PersistenceError
from .._persistence_id import check_persistence_id, spawning_id
from .._shielded import shielded
from .._shown import given, shown
from .._store_calls import StoreCalls
from ._agent_history import HistoryWriter
from ._agent_history import collect as collect_history
from ._counted import CountedStore
from ._metrics import PersistenceMetrics, collect
from ._store import Store
from ._wall import WallWatch

if TYPE_CHECKING:
    from .._cell import Cell
    from .._metrics import Metrics
    from .._runtime import Runtime
    from .._tasks import TaskLayer
    from ._base import CommitObserver
    from ._binding import Binding


T = TypeVar("T")


def attach(
    store: object, runtime: Runtime, metrics: Metrics, tasks: TaskLayer, agent_history: object
) -> Persistence:
    """The system's persistence service, for a store or agent history given (`ActorSystem`
    loads none of this without either); with `agent_history`, the task layer's agents also
    write their state changes to the store (`_agent_history`)."""
    if not isinstance(agent_history, bool):
        raise TypeError(
            f"agent_history must be True or False, got {type(agent_history).__name__} "
            f"{given(agent_history)}"
        )
    if store is None:  # so `agent_history` is True
        raise ValueError(
            "agent_history=True keeps agents' state history in a store: pass store= too, "
            "e.g. ActorSystem(name, store=SQLiteStore('app.db'), agent_history=True)"
        )
    if isinstance(store, type) or not isinstance(store, Store):
        raise TypeError(
            "store must be a store such as actorkit.persistence.SQLiteStore('app.db') or "
            f"MemoryStore(), got {type(store).__name__}"
        )
    service = Persistence(store, runtime, metrics)
    if agent_history:
        writer = service.history = HistoryWriter(service, runtime.name)
        tasks.history_sink = writer.record
        if metrics.enabled:
            metrics.add_source(functools.partial(collect_history, writer))
    return service


_serving: dict[int, tuple[str, weakref.ref[Persistence]]] = {}
"""The stores running systems hold (by `id`, which a held object keeps), whose they are and
the side that holds them. Weakly: a system never shut down (its loop closed under it) is
freed with its store, whose `id` CPython then gives to a new object, which no system holds."""


def _freed(key: int, _holder: weakref.ref[Persistence]) -> None:
    """The holder was freed unclosed. Its weak reference lives only in its entry (a close
    drops both, and the callback with them), so the entry at `key` is its own."""
    del _serving[key]


class Persistence:
    def __init__(self, store: Store, runtime: Runtime, metrics: Metrics) -> None:
        self.given = store
        """The store passed to the system (`system.store`), which the system opens and closes."""
        self.store: Store = store
        """The store as the actors and the agent history call it: the given one, or under a
        clock that waits for store calls (`ManualClock`) the given one with its calls counted."""
        calls = getattr(runtime.clock, "store_calls", None)
        if isinstance(calls, StoreCalls):
            self.store = CountedStore(store, calls)
        self.runtime = runtime
        self.ids: dict[Cell, str] = {}
        """The persistence id of each durable actor, by cell: a restarted instance keeps it."""
        self.owners: dict[str, Binding] = {}
        """By persistence id, the binding of its live instance, or of a stopped one whose
        last write is still in flight (the next instance's recovery waits for it)."""
        self.metrics: PersistenceMetrics | None = None
        if metrics.enabled:
            self.metrics = PersistenceMetrics()
            metrics.add_source(functools.partial(collect, self.metrics))
        self.history: HistoryWriter | None = None
        """The agents' durable state history, with `ActorSystem(agent_history=True)`."""
        self.serving: bool = False
        """The store was opened for this system, and is in `_serving` until it closes it."""
        self.wall_watch: WallWatch = WallWatch(self)

    async def open(self) -> None:
        """Refuses a store another running system holds: its shutdown would close the store
        under that system, whose next write would fail."""
        store = self.given
        entry = _serving.get(id(store))
        if entry is not None:  # a holder freed unclosed took its entry with it (`_freed`)
            raise PersistenceError(
                f"{shown(store)} serves the running system {entry[0]!r}: a store object serves one "
                "system, which closes it at its shutdown; give this ActorSystem a store object "
                "of its own (a new one on the same file or database reads what the other writes)"
            )
        _serving[id(store)] = (
            self.runtime.name,
            weakref.ref(self, functools.partial(_freed, id(store))),
        )
        observed = False
        if self.metrics is not None and hasattr(store, "on_commit"):
            theirs: CommitObserver | None = store.on_commit
            store.on_commit = _joined(self.metrics.committed, theirs)
            observed = True
        try:
            await guarded(store.open(), f"opening {shown(store)}")
        except BaseException:
            del _serving[id(store)]
            if observed:  # as given: a start tried again on this store joins it once
                store.on_commit = theirs  # type: ignore[attr-defined]  # it has one (above)
            raise
        self.serving = True

    async def close(self) -> None:
        self.wall_watch.close()
        if not self.serving:  # never opened here, or refused: not this system's to close
            return
        try:
            if self.history is not None:  # the agents have stopped: their last changes first
                await self.history.close()
        finally:
            try:
                await guarded(self.given.close(), f"closing {shown(self.given)}")
            finally:
                self.serving = False
                _serving.pop(id(self.given), None)

    def id_for(self, cell: Cell) -> str:
        """The id given to `spawn` (taken once, at the first construction), else the path."""
        persistence_id = self.ids.get(cell)
        if persistence_id is not None:
            return persistence_id
        given = spawning_id.get()
        if given is not None:
            spawning_id.set(None)  # taken: the actor's own task must not see it
            persistence_id = given
        else:
            what = f"the persistence id (the path {cell.path!r})"
            persistence_id = check_persistence_id(cell.path, what)
        self.ids[cell] = persistence_id
        cell.follow_stop(self.release)
        return persistence_id

    def claim(self, binding: Binding) -> None:
        """`binding`'s instance becomes the one that writes for its persistence id; the one it
        replaces (a restart) is retired, and recovery first waits for its write in flight.
        A live actor's id is refused to another actor, as a sibling's name is."""
        persistence_id = binding.persistence_id
        previous = self.owners.get(persistence_id)
        if previous is not None:
            if previous.cell is not binding.cell and not previous.retired:
                holder = previous.cell
                raise NameTaken(
                    f"persistence id {persistence_id!r} is in use by {holder.display_path}, "
                    + (
                        "a live actor of this system: stop it first"
                        if holder.runtime.in_tree(holder)
                        else "a child of a cancelled spawn, stopping out of the tree (no path "
                        "finds it): spawn once it has stopped"
                    )
                    + ", or pass another persistence_id to spawn "
                    "(two live writers of one id would fail each other's writes)"
                )
            # A restart retires the instance it replaces; a stopped actor's is retired already.
            binding.after = previous.retire(replaced=True)
        self.owners[persistence_id] = binding

    def release(self, cell: Cell) -> None:
        """`cell` stopped for good: its instance writes nothing more."""
        persistence_id = self.ids.pop(cell, None)
        if persistence_id is None:
            return
        binding = self.owners.get(persistence_id)
        if binding is not None and binding.cell is cell and binding.retire(False) is None:
            del self.owners[persistence_id]  # else its write in flight takes it out when done

    def written(self, binding: Binding) -> None:
        """A retired instance's last write ended: a stopped one's entry goes."""
        if self.owners.get(binding.persistence_id) is binding:
            del self.owners[binding.persistence_id]

    def wall_now(self) -> float:
        """Wall-clock seconds since the epoch: the clock's `wall_time` (`SystemClock`'s reads
        `time.time()`); a clock without one (`ManualClock`) counts its own time as such, so
        reminders fall due when it is advanced."""
        clock = self.runtime.clock
        wall = getattr(clock, "wall_time", None)
        return float(wall()) if wall is not None else clock.now()


async def guarded(work: Awaitable[T], what: str) -> T:
    """A store that fails with anything but `PersistenceError` (a driver's own error) still
    fails with `PersistenceError`, so handlers and supervisors see one kind of failure."""
    try:
        return await work
    except PersistenceError:
        raise
    except Exception as error:
        raise store_failure(error, what) from error


def store_failure(error: Exception, what: str) -> PersistenceError:
    return PersistenceError(f"{what} failed: {shown(error)}")  # a driver's __repr__ may raise


async def read_back(read: Awaitable[T]) -> T | None:
    """After a write whose caller was cancelled, what the store holds now: the instance then
    believes what was stored, neither a write that did not commit nor short of one that did
    (its next write would be refused as a conflict, its state stale until a restart). None
    when the store cannot tell: the instance keeps what it had, and fencing refuses its next
    write if the cancelled one was stored after all.

    A further cancellation does not cut the read short (the store's timeout bounds it): the
    caller's `CancelledError`, raised next, stands for it too. Shielded from anyio cancel
    scopes as well, which would cancel the wait again at every turn of the loop."""
    reading = asyncio.ensure_future(read)
    with shielded():
        return await _read_through(reading)


async def _read_through(reading: asyncio.Future[T]) -> T | None:
    while True:
        try:
            return await asyncio.shield(reading)
        except asyncio.CancelledError:
            if reading.cancelled():  # the read itself, with its loop: the store cannot tell
                return None
        except Exception:
            return None


def cancel_requests() -> int:
    """The current task's pending cancellations: `read_back` lets a read finish through
    them, so a failed write compares this before and after its read-back."""
    task = asyncio.current_task()
    return 0 if task is None else task.cancelling()


def cancelled_since(requests: int) -> asyncio.CancelledError | None:
    """A cancellation that came while a failed write read its store back: the call ends
    with it, as asyncio requires (swallowed, a timeout around the write never fires, and a
    handler its actor's stop cancelled would go on), once the store's answer is taken."""
    return asyncio.CancelledError() if cancel_requests() > requests else None


def _joined(ours: CommitObserver, theirs: CommitObserver | None) -> CommitObserver:
    """The system's metrics beside an observer the user set on the store, not instead of it."""
    if theirs is None:
        return ours

    def both(writes: int, seconds: float) -> None:
        ours(writes, seconds)
        theirs(writes, seconds)

    return both
