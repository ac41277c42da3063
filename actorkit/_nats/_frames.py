"""The transport's frames, and exceptions across NATS: rebuilt from an allow-list, or not at all.

Frames (msgpack arrays, through `actorkit._wire.Codec`):
- to an actor or a group: `[kind, path, body, timeout]`, kind one of TELL, ASK, SEND, PING;
- to a topic: `[body]`;
- several tells or publishes to one subject: `[BATCH, [frame, ...]]` (see `_batches`);
- replies: `[OK, value]`, `[ERROR, type_name, args, text]` or `[STOPPED, text]`, the last a
  request the receiving system refused before any actor saw it (not exposed, shutting down):
  `NotDelivered` to its caller, whose retry is safe.
"""

from __future__ import annotations

import builtins
import math
from typing import Any

import msgspec

from .. import _errors
from .._errors import ActorError
from .._shown import class_qualname
from .._wire import SCALARS, BadPayload

TELL, ASK, SEND, PING = 0, 1, 2, 3
OK, ERROR, STOPPED = 0, 1, 2
BATCH = 4
BATCH_HEAD = b"\x92\x04"
"""How a batch starts: a 2-slot array whose first slot is BATCH. No single frame starts so:
a request frame has 4 slots, a publish frame 1."""
_KINDS = (TELL, ASK, SEND, PING)  # compared, not hashed: a slot may hold a list
_TIMED = (ASK, SEND)
_NUMBERS = (int, float)
_INF = math.inf
_batches = msgspec.msgpack.Encoder()
_unbatch = msgspec.msgpack.Decoder(tuple[int, list[msgspec.Raw]])


def batch(payloads: list[bytes]) -> bytes:
    """Frames already encoded, as one payload `[BATCH, [frame, ...]]`."""
    return _batches.encode([BATCH, [msgspec.Raw(payload) for payload in payloads]])


def request_of(reply: str, frame: list[Any]) -> tuple[int, str, Any, Any]:
    """A request frame's slots, checked; `reply` is the subject its answer goes to."""
    if len(frame) != 4:
        raise BadPayload("a request frame has 4 slots")
    kind, path, body, timeout = frame
    if kind not in _KINDS or not isinstance(path, str):
        raise BadPayload("unknown request")
    if kind in _TIMED and not (type(timeout) in _NUMBERS and 0 < timeout < _INF and reply):
        raise BadPayload("an ask or send needs a positive timeout and a reply subject")
    return kind, path, body, timeout


def frames_of(payload: bytes) -> list[msgspec.Raw] | None:
    """The frames of a batch, each still encoded (so one that does not decode costs only
    itself), or None when `payload` is a single frame. BadPayload for a broken batch."""
    if payload[:2] != BATCH_HEAD:
        return None
    try:
        return _unbatch.decode(payload)[1]
    except (msgspec.DecodeError, msgspec.ValidationError) as error:
        raise BadPayload(f"malformed batch: {error}") from None


_BUILTIN_ERRORS = (
    "Exception",
    "ArithmeticError",
    "AssertionError",
    "AttributeError",
    "BufferError",
    "EOFError",
    "FileExistsError",
    "FileNotFoundError",
    "IndexError",
    "KeyError",
    "LookupError",
    "NotImplementedError",
    "OverflowError",
    "PermissionError",
    "RecursionError",
    "RuntimeError",
    "TimeoutError",
    "TypeError",
    "ValueError",
    "ZeroDivisionError",
    "ConnectionError",
)
_ACTORKIT_ERRORS: tuple[type[BaseException], ...] = (
    _errors.ActorError,
    _errors.MailboxFull,
    _errors.ActorStopped,
    _errors.NotDelivered,
    _errors.AskTimeout,
    _errors.NameTaken,
    _errors.SystemFailed,
    _errors.SupervisorGaveUp,
    _errors.DeadlineExceeded,
    _errors.TaskCancelled,
    _errors.PersistenceError,
    _errors.PersistenceConflict,
)


class RemoteError(ActorError):
    """A remote actor raised an exception whose type is not rebuilt on this side (a user
    class, or one outside the allow-list). `type_name` is its qualified class name and
    `message` its text; the traceback stays in the remote system's crash report."""

    def __init__(self, type_name: str, message: str) -> None:
        super().__init__(type_name, message)
        self.type_name = type_name
        self.message = message

    def __str__(self) -> str:
        return f"{self.type_name}: {self.message}"


class IncompatibleMessage(ActorError, TypeError):
    """A message, or an ask's reply, that the other side's class of its name refuses, or
    whose name it has no class for: the two processes run different versions of it (a
    rolling deploy), or the sender put a value its annotations refuse in it. `type_name` is
    its registered name, `field` the field refused (None when the class is unknown or
    refused it as a whole). Also a `TypeError`, which it was before it had a type of its own.
    The text says whether the handler ran: a refused request was not handled, a refused
    reply was."""

    def __init__(self, text: str, type_name: str = "", field: str | None = None) -> None:
        super().__init__(text, type_name, field)
        self.type_name = type_name
        self.field = field

    def __str__(self) -> str:
        return str(self.args[0])


ERROR_TEXT = 16_384
"""The most characters of an error's text, and bytes of its arguments, that its reply
carries: an input echoed in an error (a key of a megabyte) made a reply past the server's
`max_payload`, and its asker got a ValueError about the reply's size instead of the error.
The whole text stays in the remote system's crash report."""

_ALLOWED_ERRORS: dict[str, type[BaseException]] = {
    **{f"builtins.{name}": getattr(builtins, name) for name in _BUILTIN_ERRORS},
    **{f"actorkit.{cls.__name__}": cls for cls in _ACTORKIT_ERRORS},
    "actorkit.nats.RemoteError": RemoteError,
    "actorkit.nats.IncompatibleMessage": IncompatibleMessage,
}
"""Exception types rebuilt by name on the caller's side, with the arguments they were raised
with. Only classes whose constructor takes plain arguments and has no side effect belong
here; anything else arrives as `RemoteError`."""
_ERROR_NAMES = {cls: name for name, cls in _ALLOWED_ERRORS.items()}


def error_frame(error: BaseException) -> list[Any]:
    cls = type(error)
    name = _ERROR_NAMES.get(cls)
    if name is None and cls.__module__.startswith("actorkit."):
        # A private subclass of an allowed type travels as that type.
        name = next((_ERROR_NAMES[base] for base in cls.__mro__ if base in _ERROR_NAMES), None)
    text = _text(error)
    args = _args(error)
    if len(text) > ERROR_TEXT:
        text = f"{text[:ERROR_TEXT]}... ({len(text) - ERROR_TEXT:,} characters cut)"
        args = [text]
    elif args is None or not (all(type(arg) in SCALARS for arg in args) and _crosses(args)):
        args = [text]
    return [ERROR, name or f"{cls.__module__}.{class_qualname(cls)}", args, text]


def error_within(frame: list[Any], limit: int) -> list[Any] | None:
    """An error frame over the server's `max_payload` (`limit`), its text cut to fit and
    then its one argument, as for a text past `ERROR_TEXT`: that cut fits the default 1 MB,
    not a `max_payload` lowered below twice it, and the asker got a `ValueError` about the
    reply's size instead of the error raised. None for any other frame, or too small a limit."""
    if len(frame) != 4 or frame[0] != ERROR:
        return None
    name, text = frame[1], frame[3]
    room = (limit - len(name.encode()) - 200) // 2  # the text goes twice, with a note each
    if room <= 0:
        return None
    kept = text.encode()[:room].decode(errors="ignore")  # whole characters
    cut = f"{kept}... ({len(text) - len(kept):,} characters cut to fit the server's max_payload)"
    return [ERROR, name, [cut], cut]


def _crosses(args: list[Any]) -> bool:
    """Scalar arguments msgpack still cannot carry (an int past 64 bits, a str with a lone
    surrogate) would fail the error's reply as they failed the answer it replaces; so would
    arguments past `ERROR_TEXT` bytes, with the server's `max_payload`."""
    try:
        return len(_batches.encode(args)) <= ERROR_TEXT
    except (OverflowError, UnicodeEncodeError):
        return False


def _args(error: BaseException) -> list[Any] | None:
    """`error.args`, or None when they cannot be read: an `args` property of the class's own
    that raises (a `BaseException` too, which would end the answering actor's receive loop)
    or gives no sequence. The asker then gets the error's text, as for arguments that cannot
    cross, not the failure of reading them in its place. An exit is the program's."""
    try:
        return list(error.args)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:
        return None


def _text(error: BaseException) -> str:
    """`str(error)`, which runs the user's `__str__`, as text UTF-8 can encode: one that
    raises (a `BaseException` too, as for `_args`), or holds a lone surrogate, must not cost
    the asker its answer (it would wait for its timeout instead)."""
    try:
        text = str(error)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as failed:
        return f"<str() of the error raised {type(failed).__name__}>"
    return text.encode(errors="backslashreplace").decode()


def rebuild_error(type_name: object, args: object, text: object) -> BaseException:
    """The remote exception as its own type when the allow-list has it, else RemoteError."""
    if not (isinstance(type_name, str) and isinstance(text, str) and type(args) is list):
        raise BadPayload("malformed error reply")
    cls = _ALLOWED_ERRORS.get(type_name)
    if cls is not None:
        try:
            return cls(*args)
        except Exception:
            pass  # arguments this constructor does not take: report it as a RemoteError
    return RemoteError(type_name, text)
