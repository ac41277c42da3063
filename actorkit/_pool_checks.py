"""What `spawn_pool` and `PoolRef.resize` accept, each refusal saying what to pass, and the
resize request the pool actor is asked."""

from __future__ import annotations

import asyncio
import inspect
import reprlib
from typing import TYPE_CHECKING, Any

from ._envelope import CONTROL, GIVEN_UP, Ask, ask_envelope
from ._errors import ActorStopped, NotDelivered
from ._exact import exact_str, index_int, not_integer
from ._hook_checks import is_async
from ._shown import given, qualname
from ._supervision import check_strategy

if TYPE_CHECKING:
    from ._cell import Cell

ROUTINGS = ("round_robin", "random", "least_loaded", "consistent_hash", "broadcast")

MAX_SIZE = 100_000
"""More members than this is a mistake (a unit slip): spawning them would hold the loop."""


def check_size(size: object) -> int:
    number = index_int(size)
    if number is None:
        raise TypeError(
            f"pool size must be an int >= 1, got {type(size).__name__} {given(size)}"
            f"{not_integer(size)}"
        )
    size = number
    if size < 1:
        raise ValueError(
            f"pool size must be an int >= 1, got {size}: to end a pool, await pool.stop()"
        )
    if size > MAX_SIZE:
        raise ValueError(
            f"pool size must be at most {MAX_SIZE}, got {reprlib.repr(size)}; "
            "use several pools for more members"
        )
    return size


def check_pool(
    size: object, routing: object, hash_key: object, supervisor: object
) -> tuple[int, str]:
    """The pool's size and routing, exact (`_exact`), once every argument has passed."""
    exact = check_size(size)
    if isinstance(routing, str):
        routing = exact_str(routing)
    if supervisor is not None:
        check_strategy(supervisor, "supervisor (the members' strategy)")
    if not isinstance(routing, str) or routing not in ROUTINGS:
        raise ValueError(f"routing must be one of {list(ROUTINGS)}, got {given(routing)}")
    if routing == "consistent_hash" and not callable(hash_key):
        raise ValueError(
            "routing='consistent_hash' needs hash_key=, a function from message to key "
            "(for example hash_key=lambda msg: msg.user_id)"
        )
    if hash_key is not None and routing != "consistent_hash":
        raise ValueError("hash_key= is only used with routing='consistent_hash'")
    if routing == "consistent_hash" and is_async(hash_key):
        raise TypeError(
            f"hash_key must be a plain function, got the async def {given(hash_key)}: a pool "
            "routes in the sender's call and never awaits a key, so each message would be keyed "
            "by a new coroutine; make it a def (for example hash_key=lambda msg: msg.user_id)"
        )
    assert isinstance(routing, str)
    return exact, routing


def check_member_arguments(kwargs: dict[str, object]) -> None:
    """A persistence id names one actor's journal: members cannot share one."""
    if "persistence_id" in kwargs:
        raise ValueError(
            "spawn_pool takes no persistence_id: each member's persistence id is its path "
            "(/pool/0, /pool/1, ...), since members sharing one would fail each other's writes; "
            "drop persistence_id=, or spawn the durable actors one by one with ids of their own"
        )


def check_size_meant(factory: object, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """`spawn_pool(Worker, 4)` means a pool of four; the 4 would go to each member's factory,
    be it an Actor class or a function. Refused, naming `size=`, when that factory cannot take
    it: Python's own refusal would come from the pool's first member, about a call the user
    never wrote. Read once, at the `spawn_pool` call, and only for a lone int: no member's
    start (nor restart) pays for it."""
    if len(args) != 1 or kwargs or type(args[0]) is not int:
        return
    try:
        signature = inspect.signature(factory)  # type: ignore[arg-type]
    except (TypeError, ValueError):  # no signature to read: the factory's own call decides
        return
    try:
        signature.bind(*args)
    except TypeError as error:
        named = isinstance(factory, type) or inspect.isroutine(factory)
        name = (qualname(factory) if named else None) or given(factory)  # a partial, an object
        raise TypeError(
            f"{name} cannot be called with {args[0]} alone ({error}): spawn_pool passes its "
            f"positional arguments to each member's factory; to size the pool, pass "
            f"size={args[0]}"
        ) from None


def unhashable_key(key: object, pool: str) -> TypeError:
    """The error for a `hash_key` result that the hash ring cannot place (a list, a dict),
    saying whose it is: placing a key raises a TypeError only from `hash(key)`."""
    return TypeError(
        f"hash_key of pool {pool} returned an unhashable {type(key).__name__} "
        f"{reprlib.repr(key)}: return a hashable key (a str, an int, or a tuple of them), "
        "for example hash_key=lambda msg: msg.user_id"
    )


class Resize:
    """`PoolRef.resize`'s request, asked of the pool actor itself (past the routing)."""

    __slots__ = ("size",)

    def __init__(self, size: int) -> None:
        self.size = size


def is_resize(message: object) -> bool:
    return type(message) is Ask and type(message.message) is Resize


async def ask_to_resize(pool: Cell, size: int) -> object:
    """`PoolRef.resize`'s request, asked of the pool actor past its routing and its mailbox's
    bound (a control request never waits for room, as a `Terminated` does not); the caller's
    own timeout bounds the wait. A request of the runtime's (`CONTROL`): a pool stopped before
    carrying it out, or while, fails it and records no dead letter, since no message a user
    sent is lost; the caller hears which, in the words of a resize."""
    future: asyncio.Future[object] = asyncio.get_running_loop().create_future()
    envelope = ask_envelope(Resize(size), future, pool.path, CONTROL)
    if not pool.mailbox.force(envelope):
        raise not_resized(pool, size)
    try:
        return await future
    except ActorStopped as error:  # refused unbegun by the pool's close, or cut in hand
        begun = not isinstance(error, NotDelivered)
        raise resize_stopped(pool.path, size, error, begun=begun) from error
    finally:
        envelope.future = GIVEN_UP  # still queued when the caller gives up: answered to nobody


def not_resized(pool: Cell, size: int) -> NotDelivered:
    return NotDelivered(f"pool {pool.path} is stopped; it was not resized to {size}")


def resize_stopped(pool: str, size: int, error: ActorStopped, *, begun: bool) -> ActorStopped:
    """What the caller of a resize its pool's stop ended hears, in a resize's words:
    `NotDelivered` when the pool started no member for it and left its size as it was, else
    that it did not finish."""
    failure = (
        ActorStopped(f"resizing pool {pool} to {size} did not finish: {error}")
        if begun
        else NotDelivered(f"pool {pool} stopped before resizing to {size}; it was not resized")
    )
    failure.__cause__ = error
    return failure
