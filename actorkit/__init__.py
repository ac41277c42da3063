"""actorkit: cheap isolated actors, supervision trees, a pub-sub router, timers, task
assignment to agents and Prometheus metrics, for asyncio.

The public surface is exactly what this module exports; everything in `_*.py` is private.
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING

from ._accounting import Accounting
from ._actor import DEFAULT_MAILBOX_SIZE, Actor
from ._actor_timers import Timers
from ._clock import Clock
from ._dead_letters import DeadLetters
from ._errors import (
    ActorError,
    ActorStopped,
    AskTimeout,
    DeadlineExceeded,
    MailboxFull,
    NameTaken,
    NotDelivered,
    PersistenceConflict,
    PersistenceError,
    SupervisorGaveUp,
    SystemFailed,
    TaskCancelled,
)
from ._messages import DeadLetter, Terminated
from ._metrics import Metrics
from ._pool_ref import PoolRef
from ._protocols import Ref
from ._ref import ActorRef
from ._registry import message
from ._router import DEAD_LETTER_TOPIC
from ._runner import run
from ._supervision import Backoff, Directive, OneForAll, OneForOne, RestForOne, Strategy
from ._supervisor import ChildSpec, Supervisor
from ._system import ActorSystem
from ._tasks import AgentInfo, Task, TaskHandle, TaskStats, TaskStatus
from ._thread_turns import thread_turns, to_thread
from ._timers import TimerHandle
from ._transport import Transport

if TYPE_CHECKING:
    from ._http import HttpServer
    from ._http_auth import BasicAuth, BearerAuth

__all__ = [
    "DEAD_LETTER_TOPIC",
    "DEFAULT_MAILBOX_SIZE",
    "Accounting",
    "Actor",
    "ActorError",
    "ActorRef",
    "ActorStopped",
    "ActorSystem",
    "AgentInfo",
    "AskTimeout",
    "Backoff",
    "BasicAuth",
    "BearerAuth",
    "ChildSpec",
    "Clock",
    "DeadLetter",
    "DeadLetters",
    "DeadlineExceeded",
    "Directive",
    "HttpServer",
    "MailboxFull",
    "Metrics",
    "NameTaken",
    "NotDelivered",
    "OneForAll",
    "OneForOne",
    "PersistenceConflict",
    "PersistenceError",
    "PoolRef",
    "Ref",
    "RestForOne",
    "Strategy",
    "Supervisor",
    "SupervisorGaveUp",
    "SystemFailed",
    "Task",
    "TaskCancelled",
    "TaskHandle",
    "TaskStats",
    "TaskStatus",
    "Terminated",
    "TimerHandle",
    "Timers",
    "Transport",
    "message",
    "run",
    "thread_turns",
    "to_thread",
]

_LAZY = {"BasicAuth": "_http_auth", "BearerAuth": "_http_auth", "HttpServer": "_http"}
"""Exported names loaded on first use: `serve_http`'s credentials import `hmac` (OpenSSL),
and its server aiohttp, which `import actorkit` need not pay for."""


def _as_ours(obj: object) -> None:
    if hasattr(obj, "__module__") and isinstance(obj, type):
        obj.__module__ = __name__  # tracebacks and reprs show actorkit.X, not actorkit._x.X


def __getattr__(name: str) -> object:
    if name in _LAZY:
        obj = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
        _as_ours(obj)
        globals()[name] = obj
        return obj
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    """The lazy names too, before their first use: tab completion and `help(actorkit)`'s
    list of classes read `dir()`."""
    return sorted({*globals(), *_LAZY})


for _name in __all__:
    if _name not in _LAZY:
        _as_ours(globals()[_name])

logging.getLogger(__name__).addHandler(logging.NullHandler())
