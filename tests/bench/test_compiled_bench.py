"""The compiled-execution benchmark still runs end to end (a smoke test on 60 tickets, not a
measurement): both modes answer the same, over HTTP and through the schema alone."""

from __future__ import annotations

from bench.compiled_bench import measure
from tests.conftest import drop_database, new_database


async def test_the_compiled_benchmark_runs_on_a_small_load(backend, tmp_path) -> None:
    url = await new_database(backend, tmp_path)
    try:
        figures = await measure(url, tickets=60, rounds=1, samples=2)
    finally:
        await drop_database(url)
    assert set(figures) == {"compiled", "graphql-core", "compiled, execute only",
                            "graphql-core, execute only"}
    for name, found in figures.items():
        p50, p99, cpu = found.summary()
        assert 0 < p50 <= p99 and cpu > 0, name
