"""The openings benchmark still runs end to end (on 200 tickets: a smoke test, not a measurement)."""

from __future__ import annotations

import argparse

from bench.openings_bench import run_backend
from tests.conftest import drop_database, new_database


async def test_the_openings_benchmark_runs_on_a_small_load(backend, tmp_path) -> None:
    url = await new_database(backend, tmp_path)
    args = argparse.Namespace(tickets=200, openings=8, clients=4, profile=5, database_url=None)
    try:
        results = await run_backend(url, args)
    finally:
        await drop_database(url)
    assert results["tickets"] >= 200
    # Every opening of the demo sub-service is routed and told to its school's desk.
    assert results["sequential"]["statements"] >= 10
    assert results["sequential"]["python_cpu_ms"] > 0
    concurrent = results["concurrent"]
    assert concurrent["per_second"] > 0 and 0 < concurrent["p50_ms"] <= concurrent["p99_ms"]
    assert 0 < concurrent["hold_p50_ms"] <= concurrent["hold_p99_ms"]
    assert "own time by package" in results["profile"]
