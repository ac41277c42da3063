"""Supervision strategies: which children a failure touches, what to do about it, and when a
supervisor should give up. `decide` is the whole decision as a pure function of the strategy,
the child's restart type, the error and the restart history; `_supervise` carries it out."""

from __future__ import annotations

import asyncio
import random
import reprlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar, cast

from ._exact import exact_number, not_integer
from ._hook_checks import is_async
from ._integers import integer
from ._intensity import Intensity
from ._seconds import FOREVER, exact_seconds
from ._shown import given

Directive = Literal["restart", "resume", "stop", "escalate"]
Decision = Literal["restart", "resume", "stop", "escalate", "give_up"]
DIRECTIVES: frozenset[str] = frozenset({"restart", "resume", "stop", "escalate"})
RESTART_TYPES: frozenset[str] = frozenset({"permanent", "transient", "temporary"})

Decider = Mapping[Any, Directive] | Callable[[BaseException], Directive | None]
"""Keys typed `Any`: a mapping's key type is invariant, so `type[BaseException]` would refuse a
user's `dict[type[Exception], Directive]`; each key is checked to be an exception class when
the strategy is made."""
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential delay before restarts, so a crash loop does not spin the CPU.

    The n-th consecutive restart waits `min(max, min * 2**(n-1))`, times `1 + uniform(0, jitter)`.
    """

    min: float = 0.1
    max: float = 10.0
    jitter: float = 0.2

    def __post_init__(self) -> None:
        _keep_exact(self, "min", exact_seconds(self.min, "min"))
        _keep_exact(self, "max", exact_seconds(self.max, "max"))
        if self.max < self.min:
            raise ValueError(f"Backoff max ({self.max}) must be >= min ({self.min})")
        jitter = exact_number(self.jitter)
        if jitter is None:
            raise TypeError(
                f"Backoff jitter must be a number >= 0, got {given(self.jitter)}"
                f"{not_integer(self.jitter, '')}"
            )
        _keep_exact(self, "jitter", jitter)
        if not 0 <= self.jitter < FOREVER:
            # inf would never restart, nan would silently drop the backoff
            raise ValueError(f"Backoff jitter must be a finite number >= 0, got {self.jitter}")

    def delay(self, attempt: int) -> float:
        try:
            base: float = min(self.max, self.min * 2.0 ** (attempt - 1))
        except OverflowError:  # past the 1024th restart in a row: doubled far past any max
            base = self.max
        return base * (1.0 + random.uniform(0.0, self.jitter))


def _keep_exact(record: object, name: str, value: object) -> None:
    """Store a checked field of a frozen record as the exact built-in value (`_exact`)."""
    object.__setattr__(record, name, value)


def _checked(chosen: object, what: str) -> Directive:
    if not isinstance(chosen, str) or chosen not in DIRECTIVES:  # no hash of a list
        raise ValueError(f"{what} {given(chosen)}, not one of {sorted(DIRECTIVES)}")
    return cast("Directive", chosen)


def _check_decider(value: object) -> None:
    if value is None:
        return
    if callable(value) and not isinstance(value, Mapping):  # a mapping is read as one
        if is_async(value):
            raise TypeError(
                f"decider must be a plain function, got the async def {given(value)}: a "
                "supervisor decides in the failing child's turn and never awaits a directive; "
                'make it a def (for example decider=lambda error: "resume"), or pass a mapping '
                "{ExceptionType: directive}"
            )
        return
    if not isinstance(value, Mapping):
        raise TypeError(
            "decider must be a mapping {ExceptionType: directive} or a callable "
            f"exc -> directive, got {type(value).__name__}"
        )
    for key, directive in value.items():
        if not (isinstance(key, type) and issubclass(key, BaseException)):
            raise TypeError(f"decider keys must be exception classes, got {given(key)}")
        _check_decided(key)
        if not isinstance(directive, str) or directive not in DIRECTIVES:
            raise ValueError(
                f"decider directive for {key.__name__} must be one of "
                f"{sorted(DIRECTIVES)}, got {given(directive)}"
            )


_REPORTED_AS_RUNTIME_ERROR = (asyncio.CancelledError, StopIteration)
"""What no supervisor is handed as it is (`_failure.as_failure`): a `CancelledError` a handler
lets escape, and a `StopIteration` (PEP 479 makes a coroutine's one a `RuntimeError`)."""


def _check_decided(key: type[BaseException]) -> None:
    """A decider entry no failure can match would be ignored without a word: its failures
    restart, or never reach a supervisor."""
    if issubclass(key, KeyboardInterrupt | SystemExit):
        raise ValueError(
            f"decider key {key.__name__} is never decided on: a KeyboardInterrupt or SystemExit "
            "an actor raises shuts the system down and goes to the program's owner; drop the entry"
        )
    if issubclass(key, _REPORTED_AS_RUNTIME_ERROR):
        raise ValueError(
            f"decider key {key.__name__} is never matched: a {key.__name__} an actor lets escape "
            "reaches its supervisor as a RuntimeError caused by it (the runtime's own "
            "cancellation of an actor is a stop, no failure); key RuntimeError, or give a "
            "function decider that looks at error.__cause__"
        )


@dataclass(frozen=True)
class _Strategy:
    max_restarts: int = 3
    within: float = 5.0
    backoff: Backoff | None = None
    decider: Decider | None = field(default=None, kw_only=True)
    shutdown: float | None = field(default=None, kw_only=True)
    """How long the supervisor waits for each child instance it stops (OTP's child
    `shutdown`): None waits as long as it takes (`infinity`), 0 not at all (`brutal_kill`)."""

    def __post_init__(self) -> None:
        _keep_exact(self, "within", exact_seconds(self.within, "within"))
        if self.shutdown is not None:
            hint = " (None to wait as long as it takes)"
            _keep_exact(
                self, "shutdown", exact_seconds(self.shutdown, "shutdown", zero_ok=True, hint=hint)
            )
        if self.backoff is not None and not isinstance(self.backoff, Backoff):
            raise TypeError(
                f"backoff must be Backoff(min=..., max=...) or None, got {given(self.backoff)}"
            )
        _check_decider(self.decider)
        words = "max_restarts must be an int >= 0, got"
        restarts = integer(self.max_restarts, words)
        if restarts < 0:
            raise ValueError(f"{words} {given(self.max_restarts)}")
        _keep_exact(self, "max_restarts", restarts)

    def directive(self, error: BaseException) -> Directive:
        """The most specific matching decider entry wins; unmatched errors restart."""
        decider = self.decider
        if decider is None:
            return "restart"
        if callable(decider) and not isinstance(decider, Mapping):
            chosen = decider(error)
            if chosen is None:
                return "restart"
            return _checked(chosen, "decider returned")
        for cls in type(error).__mro__:
            found = decider.get(cls)
            if found is not None:
                # Checked again: the mapping is the caller's, and an entry added since the
                # strategy was made would otherwise be carried out as a restart past intensity.
                return _checked(found, f"decider directive for {cls.__name__} is")
        return "restart"

    def affected(self, children: Iterable[T], failed: T) -> list[T]:
        """The children a restart of `failed` touches, in start order: by default only it.
        `children` in start order, iterated only by the strategies that take them all or
        those after `failed`: listed for each restart, they would make n restarts under one
        `one_for_one` supervisor of n children cost n²."""
        return [failed]


class OneForOne(_Strategy):
    """Restart only the child that failed."""


class OneForAll(_Strategy):
    """Restart every child when one fails: for children that only make sense together."""

    def affected(self, children: Iterable[T], failed: T) -> list[T]:
        return list(children)


class RestForOne(_Strategy):
    """Restart the failed child and every child started after it (they depend on it)."""

    def affected(self, children: Iterable[T], failed: T) -> list[T]:
        ordered = list(children)
        return ordered[ordered.index(failed) :]


Strategy = OneForOne | OneForAll | RestForOne


def check_strategy(strategy: object, what: str) -> None:
    """The one check of a strategy, wherever one is given (`ActorSystem(supervisor=)`,
    `spawn_pool(supervisor=)`, `Supervisor(strategy=)`, a class's `supervisor_strategy`).
    The class in place of an instance is the usual slip, and is named as such."""
    if isinstance(strategy, _Strategy):
        return
    if isinstance(strategy, type) and issubclass(strategy, _Strategy):
        got = f"the class {strategy.__name__}: write {strategy.__name__}()"
    else:
        got = f"{type(strategy).__name__} {reprlib.repr(strategy)}"
    raise TypeError(
        f"{what} must be a strategy, an instance of OneForOne/OneForAll/RestForOne such as "
        f"OneForOne(max_restarts=3, within=5.0), got {got}"
    )


def decide(
    strategy: _Strategy,
    restart: str,
    error: BaseException | None,
    *,
    has_instance: bool,
    history: Intensity,
    now: float,
    asked: Directive | None = None,
) -> Decision:
    """What a supervisor does about a child that failed with `error` (None: it stopped
    itself). OTP rules: a normal exit restarts only `permanent` children, a failure never
    restarts `temporary` ones; resumes do not count toward intensity; a restart past the
    intensity is `give_up`. A decider that raises is the caller's to report. `asked` is the
    decider's answer when the caller already has it: a callable decider is asked once."""
    directive: Directive
    if error is None:
        directive = "restart"
    else:
        directive = asked if asked is not None else strategy.directive(error)
    if directive == "resume" and not has_instance:
        directive = "restart"  # nothing to resume: the failure was in starting it
    if directive == "restart" and (
        restart == "temporary" or (restart == "transient" and error is None)
    ):
        directive = "stop"
    if directive == "restart" and not history.allow(strategy, now):
        return "give_up"
    return directive
