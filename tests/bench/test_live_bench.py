"""The live fan-out benchmark still runs end to end (20 subscribers: a smoke test, not a measurement)."""

from __future__ import annotations

import argparse

from bench.live_bench import run_setup


async def test_the_live_benchmark_runs_on_a_small_load(backend: str) -> None:
    args = argparse.Namespace(subscribers=20, burst=5, steady=4, rate=50.0, synthetic=20, tickets_per_school=1,
                              buffer=256, redis="redis://127.0.0.1:6379/14")
    results = await run_setup(backend, "embedded" if backend == "sqlite" else "postgres", args)
    assert results["audience"] > 0 and results["resyncs"] == 0
    assert results["burst_events"] > 0 and results["synthetic_deliveries"] > 0
    assert 0 < results["lag_p50_ms"] <= results["lag_p99_ms"]
