"""The durable actors' model test (`test_properties_durable`) on a real PostgreSQL server: its
group commit batches writes as SQLite's does, over a pool of connections, and a lone write is
one statement that commits by itself."""

from __future__ import annotations

from hypothesis import settings
from hypothesis.stateful import run_state_machine_as_test

from .postgres_server import PostgresServer
from .test_properties_durable import BOUND, EXAMPLES, SETTINGS, DurableActors


class DurableActorsOnPostgres(DurableActors):
    kind = "postgres"


@BOUND
def test_durable_actors_on_postgres_match_the_model(postgres: PostgresServer) -> None:
    """Half the examples: each one's round trips to the server make it the slowest."""
    DurableActorsOnPostgres.server = postgres
    try:
        run_state_machine_as_test(
            DurableActorsOnPostgres, settings=settings(SETTINGS, max_examples=EXAMPLES // 2)
        )
    finally:
        DurableActorsOnPostgres.server = None
