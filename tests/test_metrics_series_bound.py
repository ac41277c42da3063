"""Labels are classes, never instances: a system of about 1,000 actors of three kinds (plain,
event-sourced, durable state) exports exactly the series that one of three actors does, so a
Prometheus scraping it sees no label churn and no series growth as actors come and go."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from .promql_support import durable_system, scrape_of_every_kind


def series(text: str) -> set[tuple[str, tuple[tuple[str, str], ...]]]:
    return {
        (sample.name, tuple(sorted(sample.labels.items())))
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_a_thousand_actors_of_three_classes_export_the_series_of_three() -> None:
    async with durable_system() as system:
        few = series(await scrape_of_every_kind(system, actors=1))
    async with durable_system() as system:
        many_text = await scrape_of_every_kind(system, actors=334)
    many = series(many_text)
    assert many == few, (sorted(many - few)[:5], sorted(few - many)[:5])
    assert "ledger-" not in many_text and "/" not in {v for _, ls in many for _, v in ls}
