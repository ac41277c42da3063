"""An ask from another system, answered from where its reply is set.

The local ask's future, awaited by a coroutine that then publishes the reply, costs that
coroutine, the future's done-callback and one more turn of the loop between the handler's
return and the reply leaving. `Reply` stands in for the future in the ask's envelope, as a
task's `Attempt` does (`_tasks._handover`): whatever settles it (the receive loop, the
ask's deadline, a mailbox that closes) sends the answer there and then.

Only an ask that finds room in a plain actor's mailbox goes this way (`offer`); the rest (a
pool, a full mailbox, a stopped actor) takes `ActorRef.ask`'s path, which waits and refuses
as a local ask does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from time import perf_counter
from typing import TYPE_CHECKING, Any

from .._envelope import Ask
from .._ref import ActorRef
from .._seconds import FOREVER
from .._wire import SCALARS
from ._core import Core
from ._frames import OK, error_frame, error_within

if TYPE_CHECKING:
    from .._stats import ClassStats

logger = logging.getLogger("actorkit")

Answer = Callable[[ActorRef, Any, BaseException | None, str], None]
"""Sends the reply (`Inbound.answer`): the actor, its result or its error, the reply subject."""

_new = object.__new__


class Reply:
    """The part of `asyncio.Future` the runtime uses on an ask's envelope. A failed ask
    leaves its deadline bucket a turn later, as the future's done-callback did: the deadline
    that fails it may be going through that bucket."""

    __slots__ = ("_answer", "_bucket", "_done", "_envelope", "_ref", "_stats", "_subject")
    _answer: Answer
    _bucket: dict[Ask, None]
    _done: bool
    _envelope: Ask
    _ref: ActorRef
    _stats: ClassStats | None
    _subject: str

    def done(self) -> bool:
        return self._done

    def set_result(self, result: Any, /) -> None:
        envelope = self._settle()
        self._bucket.pop(envelope, None)  # a deadline only ever fails an ask
        self._answer(self._ref, result, None, self._subject)

    def set_exception(self, error: BaseException, /) -> None:
        envelope = self._settle()
        asyncio.get_running_loop().call_soon(self._bucket.pop, envelope, None)
        stats, started = self._stats, envelope.started
        if stats is not None and started is not None:
            stats.ask_failed(error, perf_counter() - started)
        self._answer(self._ref, None, error, self._subject)

    def _settle(self) -> Ask:
        """The envelope, which this reply no longer holds: the two held each other, a cycle
        that only the garbage collector's pass would free, one per remote ask."""
        if self._done:
            raise asyncio.InvalidStateError("the ask was answered already")
        self._done = True
        envelope = self._envelope
        del self._envelope
        return envelope


def offer(ref: ActorRef, body: Any, timeout: float, subject: str, answer: Answer) -> bool:
    """`ref.ask(body, timeout)` answered by `answer`, if the ask can be queued at once;
    False (nothing done) otherwise: also for a timeout `ask` refuses, which a client of
    another make may send (`request_of` takes any finite one)."""
    if type(ref) is not ActorRef or not timeout < FOREVER:
        return False
    cell = ref._cell
    stats = cell.stats
    reply = _new(Reply)
    envelope = Ask()
    envelope.message = body
    envelope.future = reply  # type: ignore[assignment]  # the future's part the runtime uses
    envelope.target = cell.path
    envelope.timeout = timeout
    envelope.started = perf_counter() if stats is not None else None
    reply._answer, reply._done, reply._envelope = answer, False, envelope  # noqa: SLF001
    reply._ref, reply._stats, reply._subject = ref, stats, subject  # noqa: SLF001
    if not ref._mailbox.offer(envelope):  # a closed actor's refuses (`Mailbox.close`)
        return False
    runtime = cell.runtime
    bucket = runtime.open_asks.get(timeout)
    if bucket is None:
        bucket = runtime.ask_deadlines.bucket_for(timeout)
    bucket[envelope] = None
    reply._bucket = bucket  # noqa: SLF001
    return True


def ok_frame(core: Core, ref: ActorRef, result: Any) -> list[Any]:
    if type(result) in SCALARS:  # as `wire` would return it: two calls fewer per such reply
        return [OK, result]
    try:
        return [OK, core.codec.wire(result)]
    except TypeError as error:
        return unsendable(ref, error)


def unsendable(ref: ActorRef, error: TypeError) -> list[Any]:
    """The answer to an ask whose reply cannot cross (`Codec.wire` refused it)."""
    logger.warning("the reply of %s cannot cross NATS: %s", ref.path, error)
    return error_frame(TypeError(f"the reply of {ref.path} cannot cross NATS: {error}"))


def refused_payload(
    core: Core, error: TypeError | ValueError, frame: list[Any] | None = None
) -> bytes:
    """The payload of a reply that could not be encoded or is too big: an error `frame` cut
    to fit (`error_within`), else its error, in the error its asker gets instead (named by
    `Core.encode`'s `what`, so that it does not read as the asker's own message). A server's
    `max_payload` may hold not even that error: a terse one goes, and failing that, the
    ValueError is raised."""
    nc = core.link.nc
    fitted = None if frame is None or nc is None else error_within(frame, nc.max_payload)
    if fitted is not None:
        with contextlib.suppress(ValueError):
            return core.encode(fitted)
    try:
        return core.encode(error_frame(error))
    except ValueError:
        return core.encode(error_frame(ValueError("reply over max_payload")))
