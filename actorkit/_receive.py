"""The receive loop: one asyncio task per actor, the only consumer of its mailbox.

It runs signals first, then drains messages without a loop round trip, yielding once every
`BATCH` messages, and parks on the mailbox's waiter only when there is nothing to do. The
countdown to that yield is the count of handled messages too: stored in the mailbox after
each message (`Mailbox.left`, one store where a total would be read, added to and stored),
so the accounting is exact at any await, and folded into `Mailbox.folded` when it runs out.
With metrics on, a drained batch is timed as a whole and each message observed at the batch
mean (docs/observability.md); the histogram updates are written out, not called (once per
batch on every actor, per ask for sequential asks). `run` is the hot path, so it is long:
splitting it costs a call per batch or per message (or a coroutine per actor)."""

from __future__ import annotations

import asyncio
from time import perf_counter
from types import CoroutineType
from typing import TYPE_CHECKING, Any

from ._begun import first_step
from ._cut import carried_context, carry_on
from ._envelope import HANDED_ON, Ask, mark_acting
from ._failed_cleanup import cleanup_failed, stopped_starting
from ._failure import as_failure
from ._handler_failures import answer_to, handler_failure, unawaited_reply
from ._instruments import IN_LOOP
from ._loop_end import closed_from_outside
from ._mailbox import BATCH
from ._mistaken import returned_by_hook
from ._outside_stop import unwind_on_stop
from ._sealed import SEALED_DICT, SEALED_MAILBOX
from ._signal_failure import signal_failed
from ._signals import SELF_STOP, Stop
from ._state import RUNNING
from ._stats import FOLD_AT, FOLD_PAIRS
from ._withdraw import sweep

if TYPE_CHECKING:
    from ._cell import Cell


async def _start(cell: Cell, started: asyncio.Future[None]) -> bool:
    """`on_start`, for `spawn`. If it fails, or `spawn` is cancelled meanwhile, nothing is
    left started: the children it spawned are stopped, and the actor closes without its
    `on_stop` (its `on_start` never finished)."""
    instance: Any = cell.instance  # its hooks' results are read: a coroutine is refused
    try:
        if (returned := await instance.on_start()) is not None:
            returned_by_hook(returned, "on_start", cell.display_path)
    except BaseException as error:
        cell.instance = None
        try:
            failure = as_failure(error, f"on_start of {cell.display_path}", cell.runtime)
        except asyncio.CancelledError:
            if not started.done():  # a forced shutdown: `spawn` must not wait forever
                started.set_exception(stopped_starting(cell))
            await cell.stop_children()
            cell.close(None)
            return False
        cell.stop_reason = failure  # what its watchers hear, should a forced stop close it now
        try:
            await cell.stop_children()
        except asyncio.CancelledError:  # a forced stop cut the cleanup: `spawn` still hears why
            if not started.done():
                started.set_exception(stopped_starting(cell, failure))
            raise
        cell.close(failure)
        if not started.done():
            started.set_exception(failure)
        return False
    if cell.closed:  # `spawn` was cancelled, and `on_start` swallowed the cancellation
        await cell.stop_children()
        return False
    if not started.done():
        started.set_result(None)
    return True


async def run(cell: Cell, started: asyncio.Future[None] | None) -> None:
    """The actor's task: `on_start` (when `spawn` waits for it), then the loop. One
    coroutine, not a loop called from a wrapper: that would be a second per actor.

    Under a task factory, which may run a task's first step inside `create_task`
    (`asyncio.eager_task_factory`), the first step is a yield, so that nothing of the actor
    runs before its cell holds the task, nor inside its spawner's or its sender's frames.
    Cancelled there, it ends as a task cancelled before its first step does, having run
    nothing; so a supervisor's cut does not cancel it there (`_begun.begun`)."""
    loop = cell.runtime.loop
    if loop.get_task_factory() is not None:
        await first_step()
    mailbox = cell.mailbox
    if cell.runtime.heirs:  # pools exist: it may be a member (`PoolRef.ask`); no call else
        mark_acting(cell)
    signals = mailbox.signals
    queue = mailbox.queue
    # Locals of a batch, cleared before parking: a parked actor must not keep its last
    # message, reply or failure alive.
    message: Any
    signal: Any
    future: Any
    result: Any
    failure: BaseException | None
    # `instance.receive(...)` is looked up per message, which makes no bound method (an
    # allocation the collector counts) and lets a handler replace `self.receive` for the next
    # message. Dropped after a signal, which may replace the instance, and as it parks (a
    # restart in place replaces it without a signal), so that a parked actor never keeps a
    # replaced one alive.
    instance: Any = None
    answered: float | None = None  # the last ask answered in a batch: timed at its end
    begun, first, budget = 0.0, 0, 0  # a batch's start: `first != budget` while one runs
    carried_on = False  # cut by its supervisor: the cell runs on in a fresh task
    try:
        if started is not None:
            if not await _start(cell, started):
                return
            cell.started()
        while True:
            if signals:  # a stop with nothing to await is carried out without a coroutine
                if (signals[0] is SELF_STOP and cell.exit_at_once()) or (
                    type(signals[0]) is Stop and cell.stop_at_once(signals[0])
                ):
                    return
                signal = signals.pop(0)
                try:
                    await signal.run(cell)
                except BaseException as error:  # a transition failed: no handler's failure
                    try:
                        failure = as_failure(
                            error, f"a control signal of {cell.display_path}", cell.runtime
                        )
                        await signal_failed(cell, failure, for_good=type(signal) is Stop)
                    finally:
                        if not closed_from_outside(loop):  # no loop left to answer on
                            signal.answer_failed(cell)  # its end waited for, within a bound
                if cell.closed:
                    return
                signal = instance = None  # a busy loop may not park for long: keep no signal done
            elif queue and cell.state is RUNNING:
                # Drain: handle queued messages until a signal arrives, a handler fails or the
                # countdown to the next yield runs out. Written out here, not called: a
                # coroutine per batch is a measurable part of a wake-up that finds one message.
                stats = cell.stats
                begun = perf_counter() if stats is not None else 0.0
                instance = cell.instance
                budget = first = mailbox.left
                failed = False
                while queue and not signals:
                    message = queue.popleft()
                    if mailbox.blocked:
                        mailbox.admit()
                    if type(message) is Ask:
                        future = message.future
                        cell.handling = message
                        try:
                            result = await instance.receive(message.message)
                            if type(result) is CoroutineType:  # an `await` left out
                                unawaited_reply(result, cell)
                        except BaseException as error:
                            # A requested cancellation re-raises here, `handling` still set: the
                            # forced stop or supervisor's cut that asked for it accounts for it.
                            failure = handler_failure(error, cell, instance)
                            cell.handling = None
                            if not future.done():
                                future.set_exception(answer_to(failure, cell, future))
                            cell.failed(failure, message.message)
                            failed = True
                            break
                        if not future.done() and result is not HANDED_ON:
                            future.set_result(result)
                            asked = message.started
                            if (
                                asked is not None and stats is not None
                            ):  # None: a task, or no metrics
                                # An ask is timed until its reply is ready: the last of a batch
                                # waits for the batch's end reading, one with more behind it
                                # reads the clock.
                                if queue and budget > 1 and not signals:
                                    pending = stats.ask_seconds.pending  # `Histogram.record`
                                    pending.append(perf_counter() - asked)
                                    if len(pending) >= FOLD_AT:
                                        stats.ask_seconds.fold()
                                else:
                                    answered = asked
                    else:
                        cell.handling = message
                        try:
                            await instance.receive(message)
                        except BaseException as error:
                            failure = handler_failure(error, cell, instance)
                            cell.handling = None
                            cell.failed(failure, message)
                            failed = True
                            break
                    budget -= 1
                    mailbox.left = budget
                    if not budget:
                        break
                cell.handling = None
                if cell.closed and not failed:
                    # A forced stop cut into the handler, which swallowed the cancellation and
                    # returned: close() already accounted that message as a dead letter.
                    budget += 1
                    mailbox.left = budget
                handled = first - budget
                if stats is not None:
                    ended = perf_counter()
                    if handled == 1:
                        if answered is not None:  # a lone ask: both samples (`ClassStats.pairs`)
                            pending = stats.pairs
                            pending.append(ended - begun)
                            pending.append(ended - answered)
                            answered = None
                            if len(pending) >= FOLD_PAIRS:
                                stats.fold_pairs()
                        else:  # `Histogram.record`, written out
                            pending = stats.processing.pending
                            pending.append(ended - begun)
                            if len(pending) >= FOLD_AT:
                                stats.processing.fold()
                    elif handled:
                        stats.processing.observe((ended - begun) / handled, handled)
                    if answered is not None:  # `Histogram.record` of the ask, written out
                        pending = stats.ask_seconds.pending
                        pending.append(ended - answered)
                        answered = None
                        if len(pending) >= FOLD_AT:
                            stats.ask_seconds.fold()
                first = budget
                if not budget:  # `Mailbox.processed`'s countdown ran out: fold it, and yield
                    mailbox.folded += BATCH
                    mailbox.left = BATCH
                    if mailbox.withdrawn:  # its reach moves on (`_withdraw`): once a batch
                        sweep(mailbox)
                    await asyncio.sleep(0)
            elif cell.draining and cell.state is RUNNING and not mailbox.reserved:
                # A sender granted a place (`reserved`) has yet to put its message, which was
                # queued as far as it knows: the loop parks for it (its `put` wakes it, and so
                # does giving the place up) and drains on, never finalizing under it.
                try:
                    if cell.children:  # its own queue drained first, then theirs (`Lifecycle.stop`)
                        await cell.stop_children(drain=True)
                        continue
                    await cell.finalize(None)
                except BaseException as error:  # the transition failed, as a signal's may
                    failure = as_failure(
                        error, f"the drained stop of {cell.display_path}", cell.runtime
                    )
                    await signal_failed(cell, failure)  # closes it: it drains, nobody decides
                return
            else:
                # Parked: the mailbox's waiter is set here, by its single consumer (no call:
                # this runs on every wake-up of every actor).
                message = future = result = failure = instance = None
                mailbox.waiter = waiter = loop.create_future()
                await waiter
                if cell.closed:
                    return
    except asyncio.CancelledError:
        if first != budget and cell.stats is not None:  # a forced stop cut a batch short:
            cell.stats.batch_cut(perf_counter() - begun, first - budget)  # handled, so timed
        if cell.runtime.cuts and carry_on(cell):  # its supervisor's cut: the instance ends,
            carried_on = True  # the cell lives on
            return
        if not cell.closed:  # not by a forced stop, which closes every cell itself
            try:
                await cell.stop_children()  # children first (OTP), not left under a closed cell
            finally:
                cell.close(None)
        if started is not None and not started.done():
            # Cancelled in `on_start` (a forced shutdown): `spawn` must not wait forever.
            started.set_exception(stopped_starting(cell))
        raise
    except BaseException as error:
        # A fault of the runtime's outside every transition's guard: the loop cannot go on,
        # and nothing else would carry out a stop or a supervisor's decision. The actor fails
        # and closes, as one whose failed signal cannot be cleaned up does, rather than leave
        # an open cell without a task (its stop, and its parent's, would wait for ever).
        failure = as_failure(error, f"the receive loop of {cell.display_path}", cell.runtime)
        if cell.closed:  # by the failure whose cleanup raised this (`signal_failed`)
            cleanup_failed(cell, failure)
        else:
            try:
                await cell.end_instance()
            except Exception as fault:
                cleanup_failed(cell, fault)
            finally:
                cell.cannot_go_on(failure, IN_LOOP)
        if started is not None and not started.done():
            started.set_exception(failure)
    finally:
        # Held only if its task was cancelled (a forced stop's kill, `asyncio.run`'s end), not
        # when the collector closes a coroutine its closed loop left pending: `on_stop` runs.
        if cell.instance is not None and not closed_from_outside(loop):
            await unwind_on_stop(cell)
        cell.task = None  # a ref kept keeps no finished task, coroutine, context, nor queue
        if carried_on:  # its signals first, the `Cut` at their head
            cell.task = loop.create_task(run(cell, None), context=carried_context(cell))
        elif cell.closed and not signals and not queue and not cell.children:  # `let_go`'s
            mailbox.queue, mailbox.signals = SEALED_MAILBOX
            cell.children = SEALED_DICT
