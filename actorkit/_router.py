"""Pub-sub over the topic index: each matching actor gets a publish once, and nothing a
publish cannot deliver is lost silently (it becomes a dead letter with its reason).

The index holds subscribers' mailboxes rather than their cells: a publish touches only the
mailbox of each match, and a cell's mailbox is fixed for its life. The cells are kept beside
the index, for the few things that need one (a dead letter's recipient path)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._errors import ActorStopped
from ._exact import exact_str
from ._pool_handover import publish_to_pool
from ._pool_ref import PoolRef
from ._room import UNBOUNDED
from ._shown import given
from ._topic_names import validate_pattern
from ._topics import TopicIndex

if TYPE_CHECKING:
    from ._cell import Cell
    from ._dead_letters import DeadLetters, Fields, Reason
    from ._mailbox import Mailbox

DEAD_LETTER_TOPIC = "actorkit.dead_letters"
"""Subscribe to this topic to watch dead letters as `DeadLetter` records."""


class Router:
    __slots__ = (
        "_cells",
        "_dead",
        "_in_user_code",
        "_index",
        "_left",
        "_pools",
        "_watching_dead",
        "delivered",
        "published",
    )

    def __init__(self, dead_letters: DeadLetters) -> None:
        self._index: TopicIndex[Mailbox] = TopicIndex()
        self._cells: dict[Mailbox, Cell] = {}
        """Every subscriber's cell, by its mailbox."""
        self._pools: dict[Mailbox, PoolRef] = {}
        """The subscribers that are pools, routed in the publisher's turn (`publish`)."""
        self._in_user_code = 0
        """User code the router runs while it delivers, under way: a pool's `hash_key`
        (`_route`), a dead letter's watchers and listeners (`_refused`). It may unsubscribe
        or stop a subscriber that the delivery under way matched."""
        self._left: dict[Mailbox, Cell] = {}
        """The cells that stopped subscribing while user code ran (`_in_user_code`): the
        delivery that matched one finds it here if its mailbox refuses the message
        (`_refused`). Emptied once no delivery is under way (`_let_go`), by a publish with
        pools: what else `_refused` runs is no user code that could unsubscribe (watchers are
        actors, told later; `DeadLetters.listen` is the tests' hook)."""
        self._dead = dead_letters
        # Whether anyone subscribes to the dead-letter topic; None: not known since the
        # subscriptions last changed. Found out at the next dead letter, not at each change:
        # after a wildcard change the index has no cached answer, and a subscribe-publish-
        # unsubscribe cycle would walk its trie twice more for a question rarely asked.
        # Known to be nobody, no dead letter is handed here (`_forward_dead_letter`).
        self._watching_dead: bool | None = False
        self.published: int = 0
        self.delivered: int = 0

    def subscribe(self, cell: Cell, pattern: str) -> bool:
        # The index checks an exact str before it changes anything: checking it here as well
        # would pay twice in every subscribe of a churn of short-lived subscriptions. Checked
        # here: what the index cannot take (a non-str; a subclass, then copied) and a stopped
        # actor's pattern (refused for the pattern first).
        if type(pattern) is not str:
            validate_pattern(pattern)  # a non-str raises; a subclass is checked, then copied
            pattern = exact_str(pattern)  # a subclass's __eq__ would run at every later publish
        if cell.closed or cell.draining or cell.mailbox.final:
            validate_pattern(pattern)  # a bad pattern is refused whether or not the actor runs
            raise _cannot_subscribe(cell, pattern)
        mailbox = cell.mailbox
        added = self._index.add(pattern, mailbox)
        if mailbox not in self._cells:
            self._cells[mailbox] = cell
            if isinstance(cell.ref, PoolRef):
                self._pools[mailbox] = cell.ref
            cell.follow_stop(self.forget)
        if self._watching_dead is not None:
            self._unknown_watchers()
        return added

    def unsubscribe(self, cell: Cell, pattern: str | None) -> None:
        mailbox = cell.mailbox
        if pattern is None:
            self._index.remove_subscriber(mailbox)
        else:
            if type(pattern) is not str:  # the index checks an exact str itself
                validate_pattern(pattern)
                pattern = exact_str(pattern)
            self._index.remove(pattern, mailbox)
        if mailbox not in self._index:
            if self._cells.pop(mailbox, None) is not None and self._in_user_code:
                self._left[mailbox] = cell
            self._pools.pop(mailbox, None)
        if self._watching_dead is not None:
            self._unknown_watchers()

    def _unknown_watchers(self) -> None:
        """The subscriptions changed: the next dead letter asks whether anyone watches."""
        self._watching_dead = None
        self._dead.forward_to(self._forward_dead_letter)

    def forget(self, cell: Cell) -> None:
        """A stopped actor's subscriptions go with it."""
        if cell.mailbox in self._index:
            self.unsubscribe(cell, None)

    def wanted(self, topic: str) -> bool:
        """Whether a publish to `topic` would reach an actor here."""
        return bool(self._index.match(topic))

    def publish(
        self, topic: str, message: Any, *, unmatched_is_dead: bool = True, own: bool = True
    ) -> int:
        """`unmatched_is_dead=False` when other systems may hold the subscribers (a
        transport is attached), so a publish nobody here wants is not a local dead letter.
        `own=False` for another system's publish: delivered here, but not a publish of this
        system's (`actorkit_published_messages_total` counts its `publish` calls)."""
        mailboxes = self._index.match(topic)
        if own:
            self.published += 1
        if not mailboxes:
            if unmatched_is_dead:
                self._dead.add(message, topic, "no_subscribers")
            return 0
        refused = 0
        # Tested once here: a dict's truth is no specialized test on 3.13 (a generic
        # `TO_BOOL` per delivery), `is not None` is one on every version.
        pools = self._pools or None
        for mailbox in mailboxes:
            if pools is not None and mailbox in pools:
                routed = self._route(pools[mailbox], message)
                if routed is not None:
                    refused += not routed
                    continue
            # `Mailbox.offer` written out for the commonest case (the call is about half of
            # what a delivery costs here): nobody parked to wake, and room (an unbounded
            # mailbox's untouched limit is `UNBOUNDED` itself: no need to count its queue).
            # A wake-up or a refusal takes `offer` itself.
            limit = mailbox.limit
            if mailbox.waiter is None and (limit is UNBOUNDED or len(mailbox.queue) < limit):
                mailbox.accepted += 1
                mailbox.queue.append(message)
            elif not mailbox.offer(message):
                refused += 1
                self._refused(mailbox, message)
        # Its user code ran only in a pool's `hash_key` (also one that a dead letter's
        # forwarding to a pool ran, from `_refused`): no pools, no cell left to let go.
        if pools is not None and self._left:
            self._let_go()
        delivered = len(mailboxes) - refused
        self.delivered += delivered
        return delivered

    def _route(self, pool: PoolRef, message: Any) -> bool | None:
        """`publish_to_pool`, whose `hash_key` is user code (`_in_user_code`)."""
        self._in_user_code += 1
        try:
            return publish_to_pool(pool, message)
        finally:
            self._in_user_code -= 1

    def _refused(self, mailbox: Mailbox, message: Any) -> None:
        """A message a matched subscriber's mailbox refused: its dead letter, as a tell's to
        it would be. `stopped` once it closed (its close, or a stop in this very publish, by
        code a pool's `hash_key` ran), else `mailbox_full`, its class's refused tell."""
        cell = self._cell_of(mailbox)
        if mailbox.closed:
            reason: Reason = "stopped"
        else:
            reason = "mailbox_full"
            if cell.stats is not None:
                cell.stats.dropped += 1
        self._in_user_code += 1  # the dead letter's watchers and listeners
        try:
            self._dead.add(message, cell.path, reason)
        finally:
            self._in_user_code -= 1

    def _cell_of(self, mailbox: Mailbox) -> Cell:
        """A matched subscriber's cell, also once it stopped subscribing (`_left`)."""
        cell = self._cells.get(mailbox)
        return cell if cell is not None else self._left[mailbox]

    def _let_go(self) -> None:
        """A delivery that ran user code ended: the cells that left meanwhile are needed no
        more, unless it ran inside another delivery's user code (which lets go at its end)."""
        if not self._in_user_code:
            self._left.clear()

    def _forward_dead_letter(self, fields: Fields) -> bool:
        watching = self._watching_dead
        if watching is None:
            watching = self._watching_dead = bool(self._index.match(DEAD_LETTER_TOPIC))
            if not watching:  # until the subscriptions change, no dead letter is handed here
                self._dead.forward_to(None)
        if watching:
            copy = self._dead.watchers_copy(fields)
            pools = self._pools
            for mailbox in self._index.match(DEAD_LETTER_TOPIC):
                # A pool routes it as any publish, in this turn: a member's refusal of the copy
                # is counted there, and its dead letter is none (`DeadLetters.add`).
                if mailbox in pools and self._route(pools[mailbox], copy) is not None:
                    continue
                # A copy for watchers: the letter is already counted. One a full watcher
                # cannot take counts as its class's refused tell, never as a dead letter
                # (which would come back here, and loop). A closed one (a watcher whose own
                # queue is being dead-lettered as it stops) drops nothing: it is stopped.
                if not mailbox.offer(copy) and not mailbox.closed:
                    cell = self._cell_of(mailbox)
                    if cell.stats is not None:
                        cell.stats.dropped += 1
            if self._left:
                self._let_go()
        return watching

    def __len__(self) -> int:
        return len(self._index)


def _cannot_subscribe(cell: Cell, pattern: str) -> ActorStopped:
    """An actor on its way out takes no new subscription. One that drains (leaving a pool's
    shrink, or at shutdown) was taken out of its own (`Pool._resize`): publishes that keep
    coming would keep its queue from emptying, and its stop from ending. One whose stop began
    handles nothing more: each publish would only be a dead letter."""
    topic = given(pattern)
    if cell.closed:
        return ActorStopped(f"{cell.path} is stopped and cannot subscribe to {topic}")
    if cell.draining:
        return ActorStopped(
            f"{cell.path} is draining (handling what it holds, then stopping) and cannot "
            f"subscribe to {topic}: publishes that kept coming would keep its stop from ending; "
            "subscribe an actor that stays (a pool's are in pool.members)"
        )
    return ActorStopped(
        f"{cell.path} is stopping and cannot subscribe to {topic}: it handles nothing more, "
        "so each publish would only be a dead letter"
    )
