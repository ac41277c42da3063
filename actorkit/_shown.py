"""User objects as the runtime's own texts show them (log lines, error messages): their
`repr`, which is the user's code and may raise or run to megabytes. Neither may cost the
text it was for: a crash report lost to logging's "--- Logging error ---", a refusal that
raises the `__repr__`'s error instead of saying what to pass, or one a megabyte long."""

from __future__ import annotations

from types import TracebackType

from ._exact import exact_str

GIVEN_LENGTH = 60
"""The most of a wrong argument's repr a refusal quotes: enough to recognise it."""


def shown(value: object) -> str:
    """`repr(value)`, or `<ClassName instance>` when its `__repr__` raises, a `BaseException`
    too (a library's own, a stray `CancelledError`: the object's failure to describe itself,
    not the caller's cancellation). An exit is the program's, as in `named`."""
    try:
        return repr(value)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:
        return f"<{class_qualname(type(value))} instance>"


def named(value: object) -> str:
    """A callable of the user's as a log line names it: its `__qualname__`, else (`qualname`
    has none) its `repr`, as `shown` gives it."""
    return qualname(value) or shown(value)


def qualname(value: object) -> str | None:
    """The user object's `__qualname__`, or None where it has none, one that raises (a
    `BaseException` too: a proxy's, a callable object's property), or one that is no text
    or empty. An exit is the program's."""
    try:
        name = getattr(value, "__qualname__", None)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:
        return None
    return exact_str(name) if isinstance(name, str) and name else None


_MADE_AS = vars(type)["__qualname__"]
"""`type`'s own `__qualname__`: the name a class was made with, read past its metaclass."""


def class_qualname(cls: type) -> str:
    """`cls.__qualname__` for a text, also where the metaclass makes it raise (a lazy
    proxy's) or gives no text: then the name the class was made with, which `type` keeps."""
    made_as: str = _MADE_AS.__get__(cls)
    return qualname(cls) or made_as


def traced(
    error: BaseException,
) -> tuple[type[BaseException], BaseException, TracebackType | None]:
    """`error` as a log record's `exc_info`. Given the error itself, logging tests its truth
    value, the user's code: one that is false (a sized error listing nothing) was logged with
    no traceback, and one whose `__bool__` raises raised out of the log call, in the runtime's
    own step (a supervisor's decision). A tuple is true and taken as it is."""
    return type(error), error, error.__traceback__


def said(error: BaseException) -> str:
    """`str(error)`, or what its `__str__` raised instead (any `BaseException` but an exit,
    as in `shown`)."""
    try:
        return str(error)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as failed:
        return f"<str() of the error raised {type(failed).__name__}>"


def cut(text: str, limit: int) -> str:
    """`text`, or its first `limit` characters and how long it was."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text):,} characters)"


LISTED = 16_384
"""The most characters of actor paths one log line lists (a forced stop's cancelled
actors): log pipelines cut or drop a line of megabytes, which a large tree's would be."""


def listed(paths: list[str]) -> str:
    """`paths` joined, as many as `LISTED` characters hold, then how many more."""
    size = 0
    for count, path in enumerate(paths):
        size += len(path) + 2
        if size > LISTED + 2 and count:
            return f"{', '.join(paths[:count])} and {len(paths) - count} more"
    return ", ".join(paths) or "(none)"


def given(value: object) -> str:
    """A wrong argument as its refusal quotes it: `shown`, cut to `GIVEN_LENGTH` characters."""
    return cut(shown(value), GIVEN_LENGTH)


WIRE_LENGTH = 200
"""The most of a string from another process (a type name, an actor path off a NATS frame)
that a log line quotes."""


def escaped(text: str) -> str:
    """A string another process chose, as a log line or a terminal may show it: each
    character that is not printable (a newline that would forge a line of its own, an escape
    sequence's ESC or C1 byte that would move the cursor or retitle the window, a bell) as its
    escape, `\\n`, `\\x1b`."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def printable(text: str, limit: int = WIRE_LENGTH) -> str:
    """`escaped`, and cut to `limit` characters: a log line quotes no megabyte."""
    kept = escaped(text[:limit])
    if len(text) <= limit:
        return kept
    return f"{kept}... ({len(text):,} characters)"
