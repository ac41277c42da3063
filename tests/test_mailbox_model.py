"""A bare mailbox under random interleavings: room kept, arrival order, one fate per message."""

from __future__ import annotations

import asyncio

import hypothesis.strategies as st
from hypothesis import settings
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from actorkit._dead_letters import DeadLetters
from actorkit._mailbox import Mailbox

from .room_support import room_problems, settled_room_problems


class MailboxMachine(RuleBasedStateMachine):
    """A model of who is waiting and where every message went."""

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.capacity = 1
        self.box = Mailbox(self.capacity)
        self.dead = DeadLetters(lambda: 0.0)
        self.next_id = 0
        self.waiting: dict[int, tuple[asyncio.Task[bool], asyncio.Future[None] | None]] = {}
        self.arrival: list[int] = []  # ids of senders that had to wait, in arrival order
        self.entered: list[int] = []  # every id in the order it entered the queue
        self.refused: set[int] = set()  # the sender knows: MailboxFull, False, or cancelled
        self.handled: list[int] = []

    @initialize(capacity=st.integers(1, 3))
    def choose_capacity(self, capacity: int) -> None:
        self.capacity = capacity
        self.box = Mailbox(capacity)

    def teardown(self) -> None:
        if not self.box.closed:
            self.box.close("/m", "stopping", self.dead)
        self._turns()
        self._check_fates()
        assert settled_room_problems(self.box) == []
        self.loop.close()

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id

    def _turns(self, n: int = 3) -> None:
        for _ in range(n):
            self.loop.run_until_complete(asyncio.sleep(0))
        self._observe()

    def _observe(self) -> None:
        seen = set(self.entered)
        for message in self.box.queue:
            if message not in seen:
                self.entered.append(message)
                seen.add(message)
        for ident, (task, _) in list(self.waiting.items()):
            if task.done():
                del self.waiting[ident]
                if task.cancelled() or not task.result():
                    self.refused.add(ident)

    @rule()
    def tell(self) -> None:
        ident = self._id()
        someone_waits = bool(self.box.blocked)
        if self.box.offer(ident):
            assert not someone_waits
            self.entered.append(ident)
        else:
            self.refused.add(ident)

    @rule(with_deadline=st.booleans())
    def send_or_ask(self, with_deadline: bool) -> None:
        ident = self._id()
        deadline = self.loop.create_future() if with_deadline else None
        box = self.box
        if not box.blocked and not box.closed and len(box) + box.reserved < box.capacity:
            assert self.box.offer(ident)  # room now: no need to wait
            self.entered.append(ident)
            return
        task = self.loop.create_task(self.box.put(ident, give_up=deadline))
        self.waiting[ident] = (task, deadline)
        if not self.box.closed:
            self.arrival.append(ident)
        self._turns(1)

    @precondition(lambda self: self.waiting)
    @rule(data=st.data())
    def cancel_or_expire(self, data: st.DataObject) -> None:
        ident = data.draw(st.sampled_from(sorted(self.waiting)))
        task, deadline = self.waiting[ident]
        if deadline is not None and not deadline.done() and data.draw(st.booleans()):
            deadline.set_result(None)
        else:
            task.cancel()
        self._turns()

    @rule(count=st.integers(1, 3), let_senders_run=st.booleans())
    def handle(self, count: int, let_senders_run: bool) -> None:
        """Without `let_senders_run`, the next rule runs in the same loop turn: a granted
        sender has not yet taken its place (the window a tell must not slip into)."""
        box = self.box
        for _ in range(count):
            if not box.queue:
                break
            self.handled.append(box.queue.popleft())
            box.folded += 1  # the receive loop counts the same total down in `left`
            box.admit()
        if let_senders_run:
            self._turns()

    @precondition(lambda self: self.next_id >= 8)  # a stopped mailbox has little left to test
    @rule()
    def stop(self) -> None:
        self.box.close("/m", "stopping", self.dead)
        self._turns()

    @invariant()
    def capacity_is_never_exceeded(self) -> None:
        assert len(self.box) + self.box.reserved <= self.capacity

    @invariant()
    def the_room_keeps_its_rules(self) -> None:
        assert room_problems(self.box) == []

    @invariant()
    def waiting_senders_enter_in_arrival_order(self) -> None:
        order = [ident for ident in self.entered if ident in set(self.arrival)]
        assert order == sorted(order)

    @invariant()
    def accounting_is_exact(self) -> None:
        box = self.box
        assert box.accepted == box.processed + box.dead_lettered + len(box)
        assert box.accepted == len(self.entered)

    def _check_fates(self) -> None:
        dead = {letter.message for letter in self.dead.recent}
        for ident in range(1, self.next_id + 1):
            fates = [ident in self.handled, ident in dead, ident in self.refused]
            assert fates.count(True) == 1, (ident, fates)


MailboxMachine.TestCase.settings = settings(max_examples=200, stateful_step_count=30, deadline=None)
test_mailbox_state_machine = MailboxMachine.TestCase
