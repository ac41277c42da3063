"""The one check for a duration a user hands the runtime (timeouts, delays, intervals,
thresholds, deadlines), so every such argument fails the same way, before anything has
changed: a `TypeError` for what is not a number of seconds (a bool included: `True` is an int
to Python but a mistake here), a `ValueError` for NaN, infinity, a negative value, or zero
where zero means nothing useful. Infinity is refused because every wait in actorkit is
bounded, and so is anything past `FOREVER`: a wait of centuries is a mistake (a unit slip,
a timestamp passed as a duration), and past it a float deadline loses its precision.
`Decimal` and `Fraction` are refused as well: the clock does float arithmetic."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from numbers import Number

from ._exact import exact_number, not_integer
from ._shown import given

FOREVER = 1e9
"""The longest wait accepted, about 31 years (exclusive). Shared with `ActorRef.ask`, which
inlines the fast path of the check."""


def check_seconds(value: object, what: str, *, zero_ok: bool = False, hint: str = "") -> float:
    """`value` as a float, or the error that says what to pass instead; `hint` is appended
    to the message (`" from now (None for no deadline)"`). Cheap for a good float or int,
    since timers and `submit` call it every time."""
    kind = type(value)
    if (kind is float or kind is int) and (
        0 < value < FOREVER or (zero_ok and value == 0)  # type: ignore[operator]
    ):
        return value if kind is float else float(value)  # type: ignore[return-value,arg-type]
    return float(exact_seconds(value, what, zero_ok=zero_ok, hint=hint))


def exact_seconds(value: object, what: str, *, zero_ok: bool = False, hint: str = "") -> float:
    """`check_seconds`, but the number as given: an int stays an int (a record shows what it
    was given). Read once: an integer of another type runs its `__index__` once, so the
    number checked is the number kept."""
    number = exact_number(value)  # numpy's float64 or int64, an IntEnum
    if number is None:
        raise TypeError(
            f"{what} must be a number of seconds{hint}, got {type(value).__name__} "
            f"{given(value)}{not_integer(value, '')}{_unbounded(value, hint)}{_exact(value)}"
        )
    if not (number > 0 or (zero_ok and number == 0)) or not number < FOREVER:
        floor = ">= 0" if zero_ok else "> 0"
        raise ValueError(
            f"{what} must be {floor} seconds and finite{hint}, got {given(number)}; "
            f"every wait is shorter than {FOREVER:.0e} seconds (about 31 years)"
        )
    return number


def _unbounded(value: object, hint: str) -> str:
    """None where no `hint` says None is taken: a wait without end, which nothing in
    actorkit offers."""
    if value is None and not hint:
        return (
            ": every wait in actorkit is bounded, so pass a number of seconds (a large one, "
            "such as 3600.0, to wait long)"
        )
    return ""


def check_instant(value: object, what: str) -> float:
    """A point on a clock (any finite number of seconds, negative included), as a float."""
    number = exact_number(value)
    if number is None:
        raise TypeError(
            f"{what} must be a number of seconds, got {type(value).__name__} {given(value)}"
            f"{not_integer(value, '')}"
        )
    if not -FOREVER < number < FOREVER:
        raise ValueError(
            f"{what} must be finite (within ±{FOREVER:.0e} seconds), got {given(number)}"
        )
    return float(number)


def check_delay(delay: float, what: str = "delay") -> float:
    return check_seconds(delay, what, zero_ok=True)


MIN_INTERVAL = 1e-9
"""The shortest period accepted, a nanosecond: no clock ticks finer, and the tick grid's
arithmetic (`TimerHandle._repeat` divides the time since a tick was due by the interval)
overflows on a subnormal one such as 5e-324."""


def check_interval(
    interval: float, what: str = "interval", once: str = "use schedule_once for a single message"
) -> float:
    """One range in every refusal (0 and -1 alike), and then the way to fire once."""
    try:
        seconds = check_seconds(interval, what)
    except ValueError as error:
        raise ValueError(f"{error}; {once}") from None
    if seconds < MIN_INTERVAL:
        raise ValueError(
            f"{what} must be at least {MIN_INTERVAL:g} seconds (a nanosecond: no clock ticks "
            f"finer), got {seconds!r}; {once}"
        )
    return seconds


def _exact(value: object) -> str:
    """A number the clock cannot count in (a `Fraction`, a `Decimal`, a complex), or a
    `timedelta` (what Celery's `countdown` and `expires` and much of Python take): refused, so
    the message says what to pass rather than leave "must be a number" to puzzle over."""
    if isinstance(value, timedelta):
        return ": pass its total_seconds()"
    if type(value) is bool or not isinstance(value, Number | Decimal):  # a bool: a mistake
        return ""
    return ": the clock counts in floats, so pass float(value) or an int"
