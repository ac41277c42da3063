"""Messages a pool routes again, past the usual `PoolRef` path: what reached the pool itself
while it had no members, and the asks a member that stopped for good had not begun.

A member that stops while its pool runs on (a `temporary` member's failure, a member's own
stop, a stop from outside, a failure while it leaves a shrink) may hold asks the pool chose
it for: they go to the remaining members, still within their own deadlines, so that a pool
with live members answers them rather than failing them with `ActorStopped`. Only asks: a
queued tell may have reached the member by another way than the pool (a subscription of its
own, a `Terminated` it watched for, a tell to the member itself), and a sibling handling it
would handle it twice or in the wrong place; it becomes a dead letter, as an Akka routee's
mailbox does. A `broadcast` pool is the exception for asks too: every other member already
holds its own copy."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from ._envelope import Ask, acting, reject
from ._errors import MailboxFull, NotDelivered
from ._failure import key_failure
from ._pool_broadcast import broadcast_ask
from ._shown import shown, traced
from ._state import RUNNING

if TYPE_CHECKING:
    from ._cell import Cell
    from ._pool_ref import PoolRef
    from ._ref import ActorRef

logger = logging.getLogger("actorkit")


def orphans(ref: PoolRef, member: Cell, stranded: tuple[Any, ...]) -> Callable[[], None] | None:
    """A running pool's heir (`Runtime.heirs`): takes the asks out of a closing member's
    mailbox, and those its stop refused while they waited for room (`stranded`), and
    returns their routing, to run once the member is out of the routing; None when they
    keep their usual fate (dead letters, failed asks)."""
    pool = ref._cell
    if (
        member.runtime.shutting_down
        or ref._routing == "broadcast"
        or pool.state is not RUNNING
        or pool.draining
    ):
        return None
    asks = [*member.mailbox.hand_over(keep=_stays), *stranded]
    return partial(reroute, ref, asks, wait=True) if asks else None


def disinherit(pool: Cell) -> None:
    pool.runtime.heirs.pop(pool, None)


def _stays(message: object) -> bool:
    """Not an ask: a tick of the member's own timer (ends with it), a task (goes back to the
    task layer) or a tell (see the module's docstring)."""
    return type(message) is not Ask or message.timeout <= 0


def reroute(ref: PoolRef, messages: list[Any], *, wait: bool = False) -> None:
    """Route each message in order; an ask goes as it is, so that a member answers the asker.
    Nothing here awaits a member: a supervisor waiting on its child could deadlock."""
    for message in messages:
        if type(message) is Ask:
            forward(ref, message, wait=wait)
        else:
            pass_on(ref, message)


def pass_on(ref: PoolRef, message: Any) -> None:
    """A message that waited in the pool's own mailbox (a tell, a `send`, a publish), put in
    the mailbox of the member the routing picks (of each member, `broadcast`) past its bound,
    as an ask that waited there is (`forward`). The pool took it, and a `send` returned at
    once: a member full of what was passed on before it must not make it a dead letter."""
    pool = ref._cell
    if ref._routing == "broadcast":
        members = ref._live()
    else:
        try:
            member = ref._pick(message)
        except BaseException as error:  # `hash_key` raised: nobody can be told (`route`)
            _unroutable(pool, message, key_failure(pool, error))
            return
        members = [] if member is None else [member._cell]
    dead = pool.runtime.dead_letters
    if not members:  # every member was stopped from outside: nobody will ever handle it
        dead.add(message, pool.path, "stopped")
    for cell in members:
        if not cell.mailbox.force(message):  # closed, though still a child (`refuse`)
            dead.add(message, cell.path, "stopped")


def forward(ref: PoolRef, envelope: Ask, *, wait: bool = False) -> None:
    """Put an ask envelope in a member's mailbox (past its bound, like a task), or fail the
    ask (no member left, or `hash_key` raised). The envelope itself goes, so the ask's own
    deadline still bounds it, and the member's heir (`orphans`) can route it again. With
    `wait`, an ask that finds no member waits in the pool's own mailbox: the last member of
    a pool that is giving up stops while the pool still runs, and the pool's restart hands
    its queue to the new members; a pool that lost its members for good fails the ask when
    it handles it."""
    dead = ref._cell.runtime.dead_letters
    if ref._routing == "broadcast":
        members = ref._live()
        if members:
            broadcast_ask(envelope, members, dead)
            return
        member = None
    else:
        try:
            member = ref._pick(envelope.message)
        except BaseException as error:  # `hash_key` raised: the asker hears it, as from `ask`
            pool = ref._cell
            failure = key_failure(pool, error)
            if not envelope.future.done():
                envelope.future.set_exception(failure)
            else:  # its asker gave up (timed out while queued): as for a routed tell
                _unroutable(pool, envelope.message, failure)
            return
    if member is None:
        if wait and ref._cell.mailbox.force(envelope):
            return
        if not envelope.future.done():
            envelope.future.set_exception(_no_member(ref._cell))
        else:  # nobody would hear of it: an ask no member can take is a tell's dead letter
            dead.add(envelope.message, ref._cell.path, "stopped")
        return
    cell = member._cell
    if not cell.mailbox.force(envelope):
        reject(envelope, cell.path, "stopped", dead)


def route(ref: PoolRef, members: list[Cell], message: Any) -> bool:
    """A publish the pool routes in the publisher's turn to the routing's `members`, on
    behalf of nobody who could be told of a failure: a refusal is a dead letter, never a
    crash of the pool. Whether a member (for `broadcast`, any member with room) took it, or
    the pool itself, to hold for the members it starts. A tell that does not take it makes
    it a dead letter `stopped` (the key stopped the members, a stop run to its end in its
    turn, or it met one in its close): the count of dead letters tells the two apart, with
    no second copy of the tell's routing. A dead letter the key's own code makes (it stops
    an actor with a queue) counts the message as not taken, too."""
    cell = ref._cell
    dead = cell.runtime.dead_letters
    try:
        if ref._routing == "broadcast":
            # Its tell never raises for a full member (each refused copy is that member's
            # dead letter, `PoolRef._refused`): a copy was taken if a member had room, which
            # nothing between here and its offer can change.
            taken = any(member.mailbox.has_room for member in members)
            ref.tell(message)
            return taken
        counted = dead.count
        ref.tell(message)
        return dead.count == counted
    except MailboxFull:
        # As for a publish: a full member is a dead letter (never a wait, which could
        # deadlock on a member waiting for this pool).
        dead.add(message, cell.path, "mailbox_full")
    except BaseException as error:
        # Routing itself failed (`hash_key` raised): as from a timer, nobody can be told, and
        # a crash would restart the pool and drop what its members hold.
        _unroutable(cell, message, key_failure(cell, error))
    return False


def _unroutable(pool: Cell, message: Any, error: BaseException) -> None:
    """A message whose routing raised and whose sender cannot be told: logged, and a dead
    letter `undeliverable`."""
    logger.error(
        "pool %s could not route %s: %s",
        pool.path,
        type(message).__name__,
        shown(error),
        exc_info=traced(error),
        extra={"actor_path": pool.path},
    )
    pool.runtime.dead_letters.add(message, pool.path, "undeliverable")


def publish_to_pool(ref: PoolRef, message: Any) -> bool | None:
    """A publish to a subscribed pool, routed in the publisher's turn as a tell to its ref
    is: left in the pool's mailbox for its task to route, it would reach a member after
    the publisher's next tell, which goes straight to the member. None when the pool has
    no member to route to now but may have one for it (it is starting or restarting them):
    then, as a tell does, it waits in the pool's own mailbox. A pool that lost its members
    for good could only dead-letter it there, after `publish` counted it delivered: it is
    that dead letter now, and no delivery (False)."""
    members = ref._live()
    if not members:
        return False if dead_for_good(ref, message) else None
    return route(ref, members, message)


def dead_for_good(ref: PoolRef, message: Any) -> bool:
    """Whether `message`, which found no member, is a dead letter `stopped` now, the pool
    having lost its members for good (`members_gone`): taken into its mailbox, it would be
    accepted and processed there only to be passed on to nobody, counted twice. A pool that
    may have members for it keeps it (False)."""
    if not members_gone(ref):
        return False
    pool = ref._cell
    pool.runtime.dead_letters.add(message, pool.path, "stopped")
    return True


def none_left(ref: PoolRef) -> NotDelivered:
    """What an ask fails with at once when it found no member and the pool lost its members
    for good (`members_gone`): not taken into the pool's mailbox either (`dead_for_good`),
    but counted in the pool's asks as one it was given would be."""
    pool = ref._cell
    error = _no_member(pool)
    if pool.stats is not None:
        pool.stats.ask_failed(error, 0.0)
    return error


def _no_member(pool: Cell) -> NotDelivered:
    return NotDelivered(
        f"every member of pool {pool.path} has stopped for good; `await pool.resize(n)` "
        "starts new ones"
    )


def members_gone(ref: PoolRef) -> bool:
    """The pool, which routes to no member now, has none that will run again (each stopped,
    or still in its stop, from outside or by itself and not restarted, or leaving a shrink:
    out of the routing for good, as a member being started is only while `_joining`) and is
    idle: parked on an empty mailbox, so no `resize` is queued or under way, nor a restart
    or a give-up of its own, the ways it could have members again for what it holds. What
    reaches it now, its task would pass on to nobody (`pass_on`)."""
    pool = ref._cell
    return (
        pool.mailbox.parked
        and pool.state is RUNNING
        and not pool.draining
        and not ref._held
        and ref._joining is None
    )


def past_the_asker(ref: PoolRef, member: ActorRef) -> ActorRef:
    """Another member for an ask the routing gave to the member making it (one splitting its
    work through its own pool) or awaiting the task or actor making it (`acting`), which
    could answer only once the handler awaiting it returned; that member itself when it is
    the only one."""
    others = [cell for cell in ref._live() if cell is not member._cell]
    return others[next(ref._counter) % len(others)].ref if others else member


def past_a_full_sender(ref: PoolRef, member: ActorRef | None) -> ActorRef | None:
    """Another member for a send the routing gave to the member making it (or acting through
    the sender, `acting`) while its own mailbox is full: only it could make room, once the
    handler awaiting the send returned.
    With room, alone, or a `consistent_hash` key's owner, it keeps the send (full, its send
    then raises `MailboxFull`)."""
    if member is None or ref._routing == "consistent_hash":
        return member
    cell = member._cell
    mailbox = cell.mailbox
    if cell.mark not in acting.get() or len(mailbox.queue) < mailbox.limit:
        return member
    return past_the_asker(ref, member)


def key_of(hash_key: Callable[[Any], object], message: object, pool: Cell) -> object:
    """`hash_key(message)` for a send or an ask (a tell calls it in place)."""
    try:
        return hash_key(message)
    except asyncio.CancelledError as error:
        raise key_failure(pool, error) from error
