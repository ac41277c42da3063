"""Whether an `EventSourced` write whose answer was lost (the store failed, or its caller
was cancelled) landed after all: then the persist succeeded, and an error would have its
caller write the events again."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._service import read_back

if TYPE_CHECKING:
    from ._binding import Binding


async def stored(binding: Binding, payloads: list[bytes]) -> bool | None:
    """After a write that failed or was cancelled, whether the store holds its events after
    all; None when the store could not be read (falsy: the instance keeps what it had).
    Another writer's events in their place, or after them, leave the instance behind its
    store."""
    after = await read_back(_events_after(binding))
    if after is None:
        return None
    if after[: len(payloads)] != payloads:
        if after:
            binding.stale = True
        return False
    if len(after) > len(payloads):
        binding.stale = True
    return True


async def _events_after(binding: Binding) -> list[bytes]:
    """The payloads after the instance's last event: its cancelled write's, if it committed
    (or another writer's to the byte, which leave the same state), else another writer's."""
    return [
        event.payload async for event in binding.store.read(binding.persistence_id, binding.seq + 1)
    ]
