"""The durable actors' model test (`test_properties_durable`) on a real PostgreSQL server: its
group commit batches writes as SQLite's does, over a pool of connections, and a lone write is
one statement that commits by itself. Reminders too (`test_properties_durable_reminders`), and
recoveries whose reads fail (`test_properties_durable_reads`)."""

from __future__ import annotations

from hypothesis import settings
from hypothesis.stateful import run_state_machine_as_test

from .postgres_server import PostgresServer
from .test_properties_durable import BOUND, EXAMPLES, SETTINGS, DurableActors
from .test_properties_durable_reads import FailingRecoveriesWithReminders
from .test_properties_durable_reminders import DurableReminders


class DurableActorsOnPostgres(DurableActors):
    kind = "postgres"


class DurableRemindersOnPostgres(DurableReminders):
    kind = "postgres"


class FailingRecoveriesOnPostgres(FailingRecoveriesWithReminders):
    kind = "postgres"


def run_on(machine: type[DurableActors], server: PostgresServer) -> None:
    """Half the examples: each one's round trips to the server make it the slowest."""
    machine.server = server
    try:
        run_state_machine_as_test(machine, settings=settings(SETTINGS, max_examples=EXAMPLES // 2))
    finally:
        machine.server = None


@BOUND
def test_durable_actors_on_postgres_match_the_model(postgres: PostgresServer) -> None:
    run_on(DurableActorsOnPostgres, postgres)


@BOUND
def test_reminders_on_postgres_match_the_model(postgres: PostgresServer) -> None:
    run_on(DurableRemindersOnPostgres, postgres)


@BOUND
def test_failing_recoveries_on_postgres_match_the_model(postgres: PostgresServer) -> None:
    run_on(FailingRecoveriesOnPostgres, postgres)
