"""The hostile-requests benchmark still runs end to end (a smoke test, not a measurement)."""

from __future__ import annotations

from bench.hostile_bench import run
from tests.conftest import drop_database, new_database


async def test_the_hostile_benchmark_runs_and_every_hostile_request_is_refused(backend, tmp_path) -> None:
    url = await new_database(backend, tmp_path)
    try:
        results = await run(url, control_samples=3)
    finally:
        await drop_database(url)
    assert results["chain"][2] == "200 QUERY_TOO_COSTLY"
    assert results["aliases"][2] == "200 QUERY_TOO_COSTLY"
    assert results["body"][2] in ("413 PAYLOAD_TOO_LARGE", "413 or closed while sending")
    for name, (_, _, _, p50, p99) in results.items():
        assert 0 < p50 <= p99, name
