"""`python -m bench compare` says how groupdesk's answers were made, from its `/metrics`."""

from __future__ import annotations

from bench.compare_bench import answer_paths
from bench.compare_report import markdown


async def test_the_paths_are_read_from_a_served_apps_metrics(gql, client) -> None:
    page = "{ tickets(first: 2) { edges { node { ref } } } }"
    for _ in range(3):
        await gql(page, as_user="valentine.orsembaud")
    await gql("{ viewer { roles } }", as_user="valentine.orsembaud")  # not compiled
    before = answer_paths((await client.get("/metrics")).text)
    for _ in range(2):
        await gql(page, as_user="valentine.orsembaud")
    await gql("{ viewer { roles } }", as_user="valentine.orsembaud")
    after = answer_paths((await client.get("/metrics")).text)
    # This process's counters: the two pages came by the known path, the viewer by graphql-core.
    assert after["known_path"] - before["known_path"] == 2
    assert after["compiled_whole_way"] == before["compiled_whole_way"]
    assert after["graphql_core"] - before["graphql_core"] == 1


def test_the_report_says_how_groupdesk_answered() -> None:
    row = {"req_s": 100.0, "p50_ms": 1.0, "p99_ms": 2.0, "server_cpu_ms": 1.0, "database_cpu_ms": 0.5,
           "errors": 0}
    results = {"machine": "m", "tickets": 10, "list": {"groupdesk": row},
               "paths": {"known_path": 1500, "compiled_whole_way": 1, "graphql_core": 0},
               "openings": {**row, "refs": {"opened": 1, "counter": 1, "gapless": True}},
               "single_client": {}}
    assert ("How groupdesk (one process) answered, warm-up included: 1,500 by the known path, 1 by "
            "their plan the whole way, 0 by graphql-core.") in markdown(results)
