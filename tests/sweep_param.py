"""The bad input sweep's record of one parameter (`Param`) and what its calls are given."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from actorkit import ActorRef, ActorSystem


@dataclass
class Env:
    system: ActorSystem
    ref: ActorRef


Call = Callable[[Env, dict[str, Any]], Any]


@dataclass(frozen=True)
class Param:
    kind: str
    call: Call
    says: str = ""
    """What the message must contain to name the parameter (the parameter's name if empty)."""
