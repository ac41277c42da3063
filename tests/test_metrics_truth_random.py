"""The exported figures add up, under seeded random workloads: spawns (named, unnamed, under
each supervision strategy, failing in `on_start`, cancelled), orderly and forced stops,
failures with every directive, pools of every routing with resizes, bounded mailboxes
overflowing (tell, send, ask), asks timing out and cancelled, publishes, system and actor
timers, on a `ManualClock`. Read through a scrape, as Prometheus reads it, the counters
must match what the actors counted themselves, the crash reports and `system.dead_letters`,
must never go down between scrapes, and must hold after `shutdown()` too (a last scrape)."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from actorkit import ActorSystem, OneForOne
from actorkit.testing import ManualClock

from .metrics_truth_driver import Driver
from .metrics_truth_support import (
    CHILDREN,
    PARENTS,
    CrashReports,
    Member,
    Samples,
    StartsSlowly,
    label_values,
    sample,
    scraped,
    total,
)

STEPS = 100
"""Steps per seed: enough to overflow mailboxes, restart past intensity and shrink pools."""
ADVANCES_IN_SHUTDOWN = 10
"""Seconds the clock moves at most while a shutdown ends: its timers and backoffs fire during
it, a bounded number of times (the shutdown's deadline is real time, it ends without them)."""
SEED_BOUND = 30.0
"""Seconds for one seed's run: about a second on a quiet machine, two under a load of 13."""
LABELS = {"actor_type", "state", "exception", "outcome", "reason", "status", "le"}


def check(driver: Driver, samples: Samples, crashes: CrashReports, when: str) -> list[str]:
    """Every documented sum, against what the workload saw; the lines that do not add up."""
    wrong: list[str] = []

    def same(what: str, exported: float, truth: float) -> None:
        if exported != truth:
            wrong.append(f"{when}: {what}: exported {exported}, truth {truth}")

    system = driver.system
    mine = {c.__name__ for c in (*CHILDREN, *PARENTS, Member, StartsSlowly)}
    classes = label_values(samples, "actorkit_actor_spawned_total", "actor_type")
    letters = system.dead_letters.recent
    assert system.dead_letters.count == len(letters), "more dead letters than are kept"
    full = Counter(driver.class_of(d.recipient) for d in letters if d.reason == "mailbox_full")
    for name in classes | {c for c, _ in crashes.counts}:
        labels = {"actor_type": name}
        spawned = sample(samples, "actorkit_actor_spawned_total", **labels)
        processed = sample(samples, "actorkit_messages_processed_total", **labels)
        same(
            f"{name} handling-time samples",
            sample(samples, "actorkit_message_processing_seconds_count", **labels),
            processed,
        )
        same(
            f"{name} ask-time samples",
            sample(samples, "actorkit_ask_seconds_count", **labels),
            total(samples, "actorkit_asks_total", **labels),
        )
        same(
            f"{name} live",
            total(samples, "actorkit_actors", **labels),
            spawned - sample(samples, "actorkit_actor_stopped_total", **labels),
        )
        same(f"{name} queued", sample(samples, "actorkit_mailbox_size", **labels), 0.0)
        same(f"{name} deepest", sample(samples, "actorkit_mailbox_size_max", **labels), 0.0)
        same(
            f"{name} escalations",
            sample(samples, "actorkit_supervisor_escalations_total", **labels),
            crashes.counts[(name, "SupervisorGaveUp")],
        )
        same(
            f"{name} refusals",
            sample(samples, "actorkit_mailbox_dropped_total", **labels),
            driver.refused[name] + full[name],
        )
        exceptions = {e for c, e in crashes.counts if c == name}
        for exception in exceptions | label_values(
            samples, "actorkit_actor_failures_total", "exception"
        ):
            same(
                f"{name} {exception}s",
                sample(samples, "actorkit_actor_failures_total", exception=exception, **labels),
                crashes.counts[(name, exception)],
            )
        if name not in mine:
            continue
        same(f"{name} processed", processed, driver.truth.processed[name])
        restarts = sample(samples, "actorkit_actor_restarts_total", **labels)
        same(f"{name} restarts", restarts, driver.truth.restarts[name])
        if name != Member.__name__:  # a pool's asks are its members' (broadcast: each)
            for outcome in ("ok", "error", "timeout", "stopped", "cancelled"):
                same(
                    f"{name} asks {outcome}",
                    sample(samples, "actorkit_asks_total", actor_type=name, outcome=outcome),
                    driver.asks[(name, outcome)],
                )
    for reason, count in system.dead_letters.by_reason.items():
        same(
            f"dead letters {reason}",
            sample(samples, "actorkit_dead_letters_total", reason=reason),
            count,
        )
    same("dead letters", total(samples, "actorkit_dead_letters_total"), system.dead_letters.count)
    same(
        "timers pending",
        sample(samples, "actorkit_timers_pending"),
        sum(h.active for h in driver.handles),
    )
    same("publishes", sample(samples, "actorkit_published_messages_total"), driver.published)
    same("deliveries", sample(samples, "actorkit_publish_deliveries_total"), driver.delivered)
    same("live actors", total(samples, "actorkit_actors"), system.actor_count)
    used = {label for _, held in samples for label, _ in held}
    if not used <= LABELS:
        wrong.append(f"{when}: labels beyond the documented ones: {used - LABELS}")
    paths = {value for _, held in samples for label, value in held if "/" in value}
    if paths:
        wrong.append(f"{when}: label values that are paths: {paths}")
    return wrong


async def run(seed: int, abrupt: bool) -> list[str]:
    clock = ManualClock()
    root = OneForOne(max_restarts=100_000, within=1.0)
    with CrashReports() as crashes:
        system = ActorSystem(f"truth{seed}", clock=clock, supervisor=root)
        await system.start()
        driver = Driver(seed, system, clock)
        try:
            for number in range(STEPS):
                await driver.step()
                if driver.rng.random() < 0.3:
                    await asyncio.sleep(0)
                if number % 5 == 0:
                    driver.watch_counters(f"step {number}")
            if not abrupt:
                await driver.quiesce()
                driver.watch_counters("quiet")
                wrong = check(driver, scraped(system), crashes, "quiet")
                for handle in driver.handles:
                    handle.cancel()
        finally:
            ending = asyncio.ensure_future(system.shutdown(timeout=driver.rng.choice([0.0, 0.05])))
            # The shutdown's deadline is real time: advanced without bound until it ends, the
            # clock ran ~100 s in 50 ms, and a held member's own 0.1 s timer then overflowed
            # the dead letters kept (seed 30082), which `check` reads.
            for _ in range(ADVANCES_IN_SHUTDOWN):
                if ending.done():
                    break
                await clock.advance(1.0)
            await ending
        await asyncio.gather(*driver.background, return_exceptions=True)
        driver.watch_counters("shut down")
        last = scraped(system)
        wrong = ([] if abrupt else wrong) + check(driver, last, crashes, "shut down")
    if total(last, "actorkit_actors"):
        wrong.append(f"live actors after shutdown: {total(last, 'actorkit_actors')}")
    spawned, stopped = (
        total(last, f"actorkit_actor_{what}_total") for what in ("spawned", "stopped")
    )
    if spawned != stopped:
        wrong.append(f"after shutdown spawned {spawned} != stopped {stopped}")
    return driver.broken + wrong


SEEDS = [(False, seed) for seed in range(8)] + [(True, seed) for seed in [*range(5), 30082]]


@pytest.mark.parametrize(
    ("abrupt", "seed"),
    SEEDS,
    ids=[f"{'abrupt' if abrupt else 'quiesced'}-{seed}" for abrupt, seed in SEEDS],
)
async def test_the_exported_figures_add_up_under_random_workloads(abrupt: bool, seed: int) -> None:
    """`abrupt` shuts the system down in the middle of the workload (asks waiting, handlers
    held, restarts waiting out their backoff), forcing the stop of what does not finish.
    A seed a test: each bounded on its own, and the suite's workers share them out."""
    async with asyncio.timeout(SEED_BOUND):
        failures = await run(seed, abrupt)
    assert not failures, "\n".join(failures[:20])
