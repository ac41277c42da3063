"""Each call README's "Errors and bad input" table names has a bad-input case."""

from __future__ import annotations

import re

from . import (
    test_bad_input_messages,
    test_bad_input_mistakes,
    test_bad_input_spawn,
    test_bad_input_supervision,
    test_bad_input_system,
    test_bad_input_tasks,
    test_bad_input_testing,
    test_bad_input_timers,
    test_bad_input_topics,
)

CASES = [
    case
    for module in (
        test_bad_input_spawn,
        test_bad_input_messages,
        test_bad_input_system,
        test_bad_input_supervision,
        test_bad_input_timers,
        test_bad_input_topics,
        test_bad_input_tasks,
        test_bad_input_testing,
        test_bad_input_mistakes,
    )
    for case in module.CASES
]


def test_every_row_of_the_readme_table_has_a_case() -> None:
    """The table and the cases move together: each documented call has at least one case."""
    from pathlib import Path

    readme = Path(__file__).resolve().parent.parent / "README.md"
    table = readme.read_text().split("## Errors and bad input", 1)[1].split("\n## ", 1)[0]
    calls = [line.split("|")[1].strip() for line in table.splitlines() if line.startswith("| `")]
    elsewhere = [  # rows whose cases need a store or a process: tests/persistence/
        "TimerHandle.cancel: test_bad_input_timers.py, cancel twice or after firing",
        "persist: test_durable_bad_input_writes.py, an unregistered event type",
        "save: test_durable_state.py, a state of an unregistered type",
        "reminders.start: test_durable_reminders.py, a message of an unregistered type",
        "reminders.cancel: test_durable_instances.py, from a stopped or replaced instance",
        "EventSourced: test_durable_bad_input_writes.py and _classes.py, snapshot encoding and"
        " snapshot_every",
        "ActorSystem: test_durable_bad_input_classes.py, a store that is not a store",
        "python -m actorkit journal: test_journal.py, malformed store URLs",
        "SQLiteStore: test_sqlite.py, a URL, :memory:, NUL, synchronous and timeout",
        "ManualClock.settle: test_testhunt_clock_two_loops.py, a system's loop in another thread",
        "ActorSystem.start: test_testhunt_clock_two_loops.py, a clock of another thread's loop",
        "actor_tree: test_testhunt_actor_tree.py, a limit below 1 or no whole number",
        "ref.stop: test_embedding_wrong_thread.py, run on another event loop",
        "server.close: test_http_closed_from_another_loop.py, run on another event loop",
        "remote_group: test_nats_group_name_words.py, a group name outside the token rule",
        "pool.resize: test_embedding_wrong_thread.py, run on another event loop",
        "ref.ask: test_embedding_wrong_thread.py, run on another event loop",
        "handle.result: test_taskhunt3_handle_on_another_loop.py, awaited on another event loop",
        "await handle: test_taskhunt3_handle_on_another_loop.py, awaited on another event loop",
        "send: test_bad_input_ref_calls_on_actors.py, tell, send and ask on an actor instance",
        "Probe.spawn: test_probe_spawn_needs_a_system.py, a ref, a probe or None",
        "snapshots: test_views_need_a_system.py, a ref, a probe or None",
        "pending_asks: test_views_need_a_system.py, a ref, a probe or None",
        "pending_timers: test_views_need_a_system.py, a ref, a probe or None",
        "actorkit.run: test_fuzzhunt_run_generator.py, a generator where the coroutine belongs",
        "actorkit.to_thread: test_fuzzhunt_to_thread_async.py, an async function",
    ]
    rows = "\n".join([*(case.row for case in CASES), *elsewhere])
    missing = []
    for cell in calls:
        for name in (part.strip("`*… ") for part in cell.split(",")):
            # A case's row starts with the call: "spawn: ...", "timers.start_once: ...".
            if not re.search(rf"^{re.escape(name)}[\w.]*:", rows, re.MULTILINE):
                missing.append(name)
    assert not missing, f"README rows without a test case: {missing}"
