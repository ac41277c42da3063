"""`DurableState`: one value per actor, saved whole, fenced by its revision (API.md §11)."""

from __future__ import annotations

import asyncio
from time import perf_counter
from typing import Any, ClassVar

from .._errors import PersistenceConflict, PersistenceError
from ._binding import Binding, encode
from ._durable import Durable
from ._service import cancel_requests, cancelled_since, guarded, read_back
from ._store import StoredRecovery, StoredState


class DurableState(Durable):
    """An actor whose `self.state` is loaded from the store before `on_start` (None until the
    first `save`) and written whole by `await self.save(state)`."""

    state: Any = None
    _journal: ClassVar[bool] = False

    async def save(self, state: Any) -> None:
        """Write `state` as the next revision, durable on return, then set `self.state`.

        `TypeError` before anything is written when the codec refuses it; `PersistenceError`
        when the store fails and does not hold it (a commit whose answer was lost but that
        stored it returns as stored); `PersistenceConflict` when another writer saved first;
        `ActorStopped`, with nothing written, once this instance was replaced by a restart
        or its actor stopped. Called while another save of the instance is in flight, it
        commits after that one, in call order.
        """
        binding = self._durable
        busy = binding.busy
        if busy is not True and busy:  # recovering, or this instance was replaced or stopped
            raise binding.refusal("save")
        pid = binding.persistence_id
        began = perf_counter()
        payload = encode(state, "state")
        cancelled: asyncio.CancelledError | None = None
        if binding.busy:  # another write in flight: this one commits after it
            await binding.turn("save")
        binding.busy = True
        try:
            binding.seq = await guarded(
                binding.store.save_state(pid, binding.seq, payload), f"saving the state of {pid!r}"
            )
        except PersistenceError as error:
            # A commit in doubt (its answer lost) may have saved it: then the save succeeded,
            # and an error would have its caller save it again.
            requests = cancel_requests()
            if isinstance(error, PersistenceConflict) or not await _saved(binding, payload):
                binding.failed("save", error)
                if (cancelled := cancelled_since(requests)) is not None:
                    raise cancelled from error
                raise
            cancelled = cancelled_since(requests)
        except asyncio.CancelledError as error:
            # Saved all the same: the instance holds (and the metrics count) what was stored
            # before the cancellation goes on, as after a save that returned.
            if not (saved := await _saved(binding, payload)):
                binding.abandoned("save", saved)  # those called after it write nothing
                raise
            cancelled = error
        finally:
            binding.end_write()
        stats = binding.stats
        if stats is not None:
            stats.states_saved += 1
            stats.persist_seconds.observe(perf_counter() - began)
        self.state = state
        if cancelled is not None:
            raise cancelled

    async def _load(self, loaded: StoredRecovery) -> int:
        binding = self._durable
        stored = loaded.state
        if stored is None:
            self.state = None
            binding.seq = 0
        else:
            self.state = binding.decode(stored.payload, f"state revision {stored.revision}")
            binding.seq = stored.revision
        return 0


async def _saved(binding: Binding, payload: bytes) -> bool | None:
    """After a save that failed or was cancelled, whether the store holds it after all (then
    the instance takes its revision); None when the store could not be read."""
    read = await read_back(_state(binding))
    if read is None:
        return None
    stored = read[0]
    if stored is None or (stored.revision, stored.payload) != (binding.seq + 1, payload):
        if stored is not None and stored.revision != binding.seq:
            binding.stale = True  # another writer's revision: the instance is behind
        return False
    binding.seq = stored.revision
    return True


async def _state(binding: Binding) -> tuple[StoredState | None]:
    """The stored state, in a tuple: `read_back`'s None says the store could not tell."""
    return (await binding.store.load_state(binding.persistence_id),)
