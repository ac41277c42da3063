"""A `broadcast` pool: every member gets a copy of what is sent to it, a tell's or an ask's,
and the first reply to an ask answers it (Akka's behaviour)."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ._envelope import Ask, acting, ask_envelope, reject
from ._errors import MailboxFull, NotDelivered

if TYPE_CHECKING:
    from ._cell import Cell
    from ._dead_letters import DeadLetters


async def ask_every(members: list[Cell], message: Any, timeout: float) -> Any:
    """`PoolRef.ask` of a broadcast pool with members: a copy to each, the first reply wins,
    the others are discarded. A member that stopped before handling its copy does not
    answer while another copy may still be."""
    answer: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    settle = first_answer(answer, len(members))
    asks = [asyncio.ensure_future(ask_copy(cell, message, timeout)) for cell in members]
    for copy in asks:
        copy.add_done_callback(settle)
    # Once answered, the other copies run on to their own replies or timeouts, which
    # `settle` retrieves: one waiting for room at a full member, cancelled, would
    # never reach it, and be no dead letter either.
    try:
        return await answer
    except asyncio.CancelledError:
        for pending in asks:
            pending.cancel()  # the asker gave up: so do the copies not yet sent
        raise


def own_copy_first(members: list[Cell], message: Any) -> list[Cell]:
    """`PoolRef.send` of a broadcast pool made by one of its members' handlers: its own copy
    could find room only once the handler awaiting the send returned, and no other member may
    take it. So it is put first, while the send waits for nothing, and the members left to
    send to are returned; full, it raises `MailboxFull` before any copy is sent, as
    `ActorRef.send` to its own full mailbox does, since a resend would duplicate copies
    already at others. Last in turn instead, its mailbox could fill while the send waited
    for room at another member. A task the handler started waits for room at it as at any
    member, as its send to the member's own ref would."""
    asker = acting.get()  # empty outside a member's work
    if not asker:
        return members
    for index, cell in enumerate(members):
        if cell.mark in asker:
            if cell.task is not asyncio.current_task():
                return members
            if not cell.mailbox.offer(message):
                if cell.stats is not None:
                    cell.stats.dropped += 1
                raise MailboxFull(
                    f"{cell.path} sent to its broadcast pool while its own mailbox is full "
                    f"({cell.mailbox.capacity} messages), where only it could make room once "
                    "this handler returns; no copy was sent: spawn the pool with a larger "
                    "mailbox_size, or send from outside the pool"
                )
            return members[:index] + members[index + 1 :]
    return members


def refuse(pool: Cell, message: Any, refused: list[Cell]) -> None:
    """The copies of a broadcast tell that members refused. A broadcast is a fan-out, as
    a publish is: each refused copy is a dead letter of its member rather than a
    `MailboxFull`, since the caller could not resend to the full members alone and a
    resend to the pool would duplicate the message at the others (docs/api.md §9, Router)."""
    dead = pool.runtime.dead_letters
    for cell in refused:
        if cell.mailbox.closed:  # told from code its close runs (a log handler, a dead-letter
            # watcher's `hash_key`): still a child, and maybe not closed itself yet
            dead.add(message, cell.path, "stopped")
            continue
        if cell.stats is not None:
            cell.stats.dropped += 1
        dead.add(message, cell.path, "mailbox_full")


def broadcast_ask(envelope: Ask, members: list[Cell], dead: DeadLetters) -> None:
    """Routed as `ask_every` routes a broadcast ask to a running pool: every member gets
    an ask of its own, and `first_answer` decides which answers. The copies carry no deadline
    of their own, so the asker's answer ends them (`_given_up`)."""
    asked = envelope.future
    settle = first_answer(asked, len(members))
    loop = asyncio.get_running_loop()
    copies: list[asyncio.Future[Any]] = []
    for cell in members:
        future: asyncio.Future[Any] = loop.create_future()
        future.add_done_callback(settle)
        copies.append(future)
        ask = ask_envelope(envelope.message, future, cell.path, envelope.timeout, envelope.started)
        if not cell.mailbox.force(ask):
            reject(ask, cell.path, "stopped", dead)
    if asked.done():  # its asker left or timed out while the pool held it
        _given_up(copies, None)
    elif isinstance(asked, asyncio.Future):
        # Always one here: a remote ask reaches a pool through `PoolRef.ask`, whose future
        # its own deadline ends; `Reply` stands in only at a plain actor (`_nats._reply.offer`).
        asked.add_done_callback(functools.partial(_given_up, copies))


def _given_up(copies: list[asyncio.Future[Any]], asked: asyncio.Future[Any] | None) -> None:
    """A held broadcast ask answered by no copy (its deadline came, its asker was cancelled):
    the copies still queued are handled with their replies dropped and uncounted, as a plain
    ask's envelope is once its asker has its answer, rather than each counted `ok` for a reply
    nobody got. An answer a copy gave leaves the others to run on, as `ask_every`'s do."""
    if asked is not None and not asked.cancelled():
        error = asked.exception()
        if error is None or any(
            copy.done() and not copy.cancelled() and copy.exception() is error for copy in copies
        ):
            return
    for copy in copies:
        copy.cancel()


async def ask_copy(member: Cell, message: Any, timeout: float) -> Any:
    """A member's copy of a broadcast ask, sent from a task of its own. A member that stopped
    before this first step never gets it: a dead letter `stopped`, as a broadcast tell's copy
    to it is, since another copy may answer the asker and nobody would hear of this one."""
    if member.closed:
        member.runtime.dead_letters.add(message, member.path, "stopped")
    return await member.ref.ask(message, timeout)


def first_answer(asked: asyncio.Future[Any], copies: int) -> Callable[[asyncio.Future[Any]], None]:
    """The done callback of each of a broadcast ask's `copies`: the first to finish, with a
    reply or an error, answers `asked`; a copy that was never delivered (its member stopped
    first) answers only if it is the last. A callback sees the copies in the order they
    finished, which a wait woken once for several would not."""
    outstanding = copies

    def settle(copy: asyncio.Future[Any]) -> None:
        nonlocal outstanding
        outstanding -= 1
        if copy.cancelled():
            return
        error = copy.exception()  # retrieved even when too late, so it never warns
        if asked.done() or (type(error) is NotDelivered and outstanding):
            return
        if error is None:
            asked.set_result(copy.result())
        else:
            asked.set_exception(error)

    return settle
