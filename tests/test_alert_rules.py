"""The recommended alert rules (examples/alerts.yml, docs/observability.md "Alerts"): promtool
accepts them, each reads only what a live system exports, each is documented, and each fires
on the first event it watches for and stays quiet without one (`promtool test rules`)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from .nats_support import NatsServer, requires_nats, transport
from .promql_support import (
    PROMTOOL,
    ROOT,
    durable_system,
    exported,
    problems,
    requires_promtool,
    scrape_of_every_kind,
)

RULES = ROOT / "examples" / "alerts.yml"
ALERT = re.compile(r"- alert: (\w+)\n(?:\s*#.*\n)*\s*expr: (.+)\n")
ALERTS = dict(ALERT.findall(RULES.read_text()))

APP = 'job="app",instance="a"'
LEDGER = 'actor_type="Ledger"'
PERSIST = 'operation="persist",kind="error"'
RECOVERY = 'operation="recovery",kind="error"'
SCENARIOS: list[tuple[str, list[tuple[str, str]], str, list[dict[str, str]]]] = [
    # (alert, input series, eval time, the alerts expected then)
    (
        "ActorkitDeadLetters",
        [
            (f'actorkit_dead_letters_total{{{APP},reason="stopped"}}', "0 0 0 5 5"),
            (f'actorkit_dead_letters_total{{{APP},reason="shutdown"}}', "0 0 0 9 9"),
        ],
        "4m",
        [{"severity": "warning", "reason": "stopped"}],
    ),
    (
        "ActorkitDeadLetters",
        [(f'actorkit_dead_letters_total{{{APP},reason="stopped"}}', "0x5")],
        "4m",
        [],
    ),
    (
        "ActorkitRestartsRising",
        [(f'actorkit_actor_restarts_total{{{APP},actor_type="Worker"}}', "0+2x10")],
        "10m",
        [{"severity": "warning", "actor_type": "Worker"}],
    ),
    (
        "ActorkitRestartsRising",
        [(f'actorkit_actor_restarts_total{{{APP},actor_type="W"}}', "0 1 1 1")],
        "3m",
        [],
    ),
    (
        "ActorkitSupervisorGaveUp",
        [(f'actorkit_supervisor_escalations_total{{{APP},actor_type="Pool"}}', "0 0 1 1")],
        "3m",
        [{"severity": "critical", "actor_type": "Pool"}],
    ),
    (
        "ActorkitEventLoopBlocked",
        [(f'actorkit_event_loop_blocked_total{{{APP},actor_type="(outside actors)"}}', "0 0 1")],
        "2m",
        [{"severity": "warning", "actor_type": "(outside actors)"}],
    ),
    (
        "ActorkitEventLoopLag",
        [
            (f'actorkit_event_loop_lag_seconds_bucket{{{APP},le="0.1"}}', "0x10"),
            (f'actorkit_event_loop_lag_seconds_bucket{{{APP},le="0.5"}}', "0+10x10"),
            (f'actorkit_event_loop_lag_seconds_bucket{{{APP},le="+Inf"}}', "0+10x10"),
        ],
        "10m",
        [{"severity": "warning"}],
    ),
    (
        "ActorkitNatsDisconnected",
        [(f"actorkit_nats_connected{{{APP}}}", "1 1 0 0 0 0")],
        "5m",
        [{"severity": "critical"}],
    ),
    ("ActorkitNatsDisconnected", [(f"actorkit_nats_connected{{{APP}}}", "1 1 0 1 1 1")], "5m", []),
    (
        "ActorkitPersistenceErrors",
        [
            (f"actorkit_persistence_failures_total{{{APP},{LEDGER},{PERSIST}}}", "0 0 0 1 1"),
            (f"actorkit_persistence_failures_total{{{APP},{LEDGER},{RECOVERY}}}", "0x5"),
        ],
        "4m",
        [{"severity": "critical", "actor_type": "Ledger", "operation": "persist", "kind": "error"}],
    ),
    (
        # A first spawn whose recovery failed before any scrape: a new series, at 1.
        "ActorkitPersistenceErrors",
        [(f"actorkit_persistence_failures_total{{{APP},{LEDGER},{RECOVERY}}}", "_ _ _ 1 1 1")],
        "5m",
        [
            {
                "severity": "critical",
                "actor_type": "Ledger",
                "operation": "recovery",
                "kind": "error",
            }
        ],
    ),
    (
        # A class spawned later: its series appear at 0.
        "ActorkitPersistenceErrors",
        [(f"actorkit_persistence_failures_total{{{APP},{LEDGER},{PERSIST}}}", "_ _ 0 0 0")],
        "4m",
        [],
    ),
    (
        "ActorkitRecoveryFailed",
        [(f"actorkit_recovery_failures_total{{{APP},{LEDGER}}}", "0 0 0 1 1")],
        "4m",
        [{"severity": "critical", "actor_type": "Ledger"}],
    ),
    (
        # A first spawn whose recovery failed before any scrape: a new series, at 1.
        "ActorkitRecoveryFailed",
        [(f"actorkit_recovery_failures_total{{{APP},{LEDGER}}}", "_ _ _ 1 1 1")],
        "5m",
        [{"severity": "critical", "actor_type": "Ledger"}],
    ),
    (
        "ActorkitRecoveryFailed",
        [(f"actorkit_recovery_failures_total{{{APP},{LEDGER}}}", "_ _ 0 0 0")],
        "4m",
        [],
    ),
    (
        "ActorkitAgentHistoryDropped",
        [(f"actorkit_agent_history_dropped_total{{{APP}}}", "0 0 3 3")],
        "3m",
        [{"severity": "warning"}],
    ),
    (
        "ActorkitMailboxNearFull",
        [(f'actorkit_mailbox_fill_ratio{{{APP},actor_type="Sink"}}', "0.9x5")],
        "4m",
        [{"severity": "warning", "actor_type": "Sink"}],
    ),
    (
        "ActorkitMailboxNearFull",
        [(f'actorkit_mailbox_fill_ratio{{{APP},actor_type="Sink"}}', "0.5x5")],
        "4m",
        [],
    ),
    (
        "ActorkitMailboxFull",
        [(f'actorkit_mailbox_dropped_total{{{APP},actor_type="Sink"}}', "0 0 2")],
        "2m",
        [{"severity": "warning", "actor_type": "Sink"}],
    ),
]


def promtool(*args: str) -> str:
    assert PROMTOOL is not None
    run = subprocess.run([PROMTOOL, *args], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout


def test_the_rules_cover_what_an_sre_watches() -> None:
    assert len(ALERTS) == RULES.read_text().count("- alert:")
    assert set(ALERTS) == {alert for alert, *_ in SCENARIOS}
    docs = (ROOT / "docs" / "observability.md").read_text()
    assert not [alert for alert in ALERTS if f"`{alert}`" not in docs]


@requires_promtool
def test_promtool_accepts_the_rules() -> None:
    assert f"SUCCESS: {len(ALERTS)} rules found" in promtool("check", "rules", str(RULES))


async def test_every_alert_reads_what_a_live_system_exports() -> None:
    async with durable_system() as system:
        series = exported(await scrape_of_every_kind(system))
    local = {alert: expr for alert, expr in ALERTS.items() if "actorkit_nats_" not in expr}
    wrong = {alert: problems(expr, "", series) for alert, expr in local.items()}
    assert not {alert: lines for alert, lines in wrong.items() if lines}


@requires_nats
async def test_the_nats_alert_reads_what_a_system_with_nats_exports(server: NatsServer) -> None:
    async with durable_system(transport(server)) as system:
        series = exported(await scrape_of_every_kind(system, actors=1))
    remote = {alert: expr for alert, expr in ALERTS.items() if "actorkit_nats_" in expr}
    assert remote
    wrong = {alert: problems(expr, "", series) for alert, expr in remote.items()}
    assert not {alert: lines for alert, lines in wrong.items() if lines}


@requires_promtool
def test_each_alert_fires_on_its_first_event_and_only_then(tmp_path: Path) -> None:
    """Annotations are left out of the copy under test: promtool compares them whole, and
    their wording is no part of when an alert fires."""
    rules = tmp_path / "alerts.yml"
    rules.write_text(re.sub(r"\n\s+annotations:\n\s+summary: .*", "", RULES.read_text()))
    tests = []
    for alert, series, at, expected in SCENARIOS:
        exp = [{"exp_labels": {"job": "app", "instance": "a", **labels}} for labels in expected]
        tests.append({
            "interval": "1m",
            "input_series": [{"series": name, "values": values} for name, values in series],
            "alert_rule_test": [{"eval_time": at, "alertname": alert, "exp_alerts": exp}],
        })  # fmt: skip
    spec = tmp_path / "alerts_test.yml"
    spec.write_text(json.dumps({"rule_files": [str(rules)], "tests": tests}))  # JSON is YAML
    assert "SUCCESS" in promtool("test", "rules", str(spec))
