"""The tickets benchmark still runs end to end (on 200 tickets: a smoke test, not a measurement)."""

from __future__ import annotations

from bench.tickets_bench import run_backend
from tests.conftest import drop_database, new_database


async def test_the_tickets_benchmark_runs_on_a_small_load(backend, tmp_path) -> None:
    url = await new_database(backend, tmp_path)
    try:
        results = await run_backend(url, tickets=200, clients=4, per_client=2, samples=3)
    finally:
        await drop_database(url)
    assert results["openings"].per_second > 0 and results["openings"].failed == 0
    assert len(results["latencies"]) == 10
    for name, (p50, p99) in results["latencies"].items():
        assert 0 < p50 <= p99, name
