"""The figures of `python -m bench compare` as the Markdown tables bench/RESULTS.md holds."""

from __future__ import annotations

from typing import Any


def _ratio(value: float, other: float | None) -> str:
    return f"{value / other:.2f}x" if other else "-"


def markdown(results: dict[str, Any]) -> str:
    listing = results["list"]
    if not listing:
        return "\n".join([results["machine"], "", _openings(results)])
    floor = next((v for k, v in listing.items() if k.startswith("floor")), None)
    peer = next((v for k, v in listing.items() if k.startswith("PostGraphile")), None)
    lines = [results["machine"], "",
             f"The list, {results['tickets']:,} tickets, 32 connections, median of the rounds:", "",
             "| server | req/s | p50 ms | p99 ms | server CPU ms/req | database CPU ms/req "
             "| vs floor | vs PostGraphile | errors |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, v in listing.items():
        lines.append(
            f"| {name} | {v['req_s']:.0f} | {v['p50_ms']:.1f} | {v['p99_ms']:.1f} "
            f"| {v['server_cpu_ms']:.2f} | {v['database_cpu_ms']:.2f} "
            f"| {_ratio(v['req_s'], floor['req_s'] if floor else None)} "
            f"| {_ratio(v['req_s'], peer['req_s'] if peer else None)} | {v['errors']} |")
    paths = results.get("paths")
    if paths:
        lines += ["", f"How groupdesk (one process) answered, warm-up included: {paths['known_path']:,} by the "
                  f"known path, {paths['compiled_whole_way']:,} by their plan the whole way, "
                  f"{paths['graphql_core']:,} by graphql-core."]
    lines += ["", _openings(results), "", "Single client (groupdesk, first: 20):", "",
              "| page | req/s | p50 ms | p99 ms | server CPU ms/req | database CPU ms/req |",
              "|---|---:|---:|---:|---:|---:|"]
    for name, v in results["single_client"].items():
        lines.append(f"| {name} | {v['req_s']:.0f} | {v['p50_ms']:.1f} | {v['p99_ms']:.1f} "
                     f"| {v['server_cpu_ms']:.2f} | {v['database_cpu_ms']:.2f} |")
    return "\n".join(lines)


def _openings(results: dict[str, Any]) -> str:
    text = _opening_line(results, "openings", "groupdesk")
    if "openings_workers" in results:
        text += "\n\n" + _opening_line(results, "openings_workers", "groupdesk, two workers")
    return text


def _opening_line(results: dict[str, Any], key: str, name: str) -> str:
    opened = results[key]
    refs = opened["refs"]
    return (f"Openings ({name}, {results['tickets']:,} tickets, 32 connections): "
            f"{opened['req_s']:.0f}/s, p50 {opened['p50_ms']:.1f} ms, p99 {opened['p99_ms']:.1f} ms, "
            f"server CPU {opened['server_cpu_ms']:.2f} ms + database {opened['database_cpu_ms']:.2f} ms "
            f"per opening, {opened['errors']} errors; {refs['opened']} refs this year, counter at "
            f"{refs['counter']}, {'gapless' if refs['gapless'] else 'NOT gapless'}.")
