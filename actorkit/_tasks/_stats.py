"""`system.tasks`: a read-only view of the task layer's counters, so users see counts and
never the layer itself."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._layer import TaskLayer


class TaskStats:
    """`system.tasks`: live counts, read when asked (nothing is computed per task)."""

    __slots__ = ("_layer",)

    def __init__(self, layer: TaskLayer) -> None:
        self._layer = layer

    @property
    def pending(self) -> int:
        return self._layer.pending

    @property
    def running(self) -> int:
        return self._layer.running

    @property
    def by_status(self) -> dict[str, int]:
        """Current pending and running counts, and totals of each way of finishing."""
        return {status.value: count for status, count in self._layer.counts.items()}

    @property
    def unservable(self) -> int:
        """Pending tasks that no live agent (restarting ones included) could serve; they wait
        for an agent with the missing capabilities, or their deadline."""
        return self._layer.unservable()

    def __repr__(self) -> str:
        counts = ", ".join(f"{status}={count}" for status, count in self.by_status.items())
        return f"<TaskStats {counts}>"
