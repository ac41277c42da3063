"""What the watch tests read of a system: the `Terminated` among its dead letters."""

from __future__ import annotations

from typing import Any

from actorkit import ActorSystem, Terminated


def terminated_letters(system: ActorSystem) -> list[Any]:
    return [d for d in system.dead_letters.recent if isinstance(d.message, Terminated)]
