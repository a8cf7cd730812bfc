"""`groupdesk check-desk` for iTop: the login, every mapping, and the account's rights.

Every mapping must name exactly one object (an id, or criteria); the account must be allowed to
create and modify UserRequests. iTop checks rights before it looks at the data, so a write that
names no object (or no field) proves the right without changing anything: code 1 means the right
is missing; any other refusal means it is there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tenants.desks.base import CheckOutcome, CheckResult, DeskConfig, DeskError
from tenants.desks.itop_changes import desk_zone
from tenants.desks.itop_client import API_VERSION, UNAUTHORIZED, ItopClient

NOTHING = "SELECT UserRequest WHERE id = 0"


def mapped_objects(maps: Mapping[str, Any]) -> list[tuple[str, str, Any]]:
    """(mapping name, iTop class, id or criteria) for every object the mappings name."""
    named = [(key, cls, maps[key]) for key, cls in (("org_id", "Organization"), ("team_id", "Team"),
                                                     ("agent_id", "Person"), ("caller_id", "Person"))
             if maps.get(key) is not None]
    for entry, value in (maps.get("service") or {}).items():
        values = value if isinstance(value, Mapping) else {"service_id": value}
        for key, cls in (("service_id", "Service"), ("servicesubcategory_id", "ServiceSubcategory")):
            if values.get(key) is not None:
                named.append((f"service[{entry}].{key}", cls, values[key]))
    return named


async def check_itop(client: ItopClient, config: DeskConfig) -> CheckResult:
    """Say what works and every problem found, or the first one that stops the check."""
    try:
        answer = await client.call("list_operations")
    except DeskError as exc:
        return CheckResult.failed(exc)
    notes = [f"iTop REST {API_VERSION} answers at {client.base_url}",
             f"{len(answer.get('operations') or [])} operations"]
    creds = config.credentials
    if creds.get("user") and not creds.get("token"):
        notes.append(f"logged in as {creds['user']}")
    maps = config.mappings
    problems = []
    if maps.get("org_id", maps.get("org")) is None:
        problems.append("mapping has no org_id: tickets cannot be created")
    if maps.get("team_id") is None or maps.get("agent_id") is None:
        problems.append("mapping lacks team_id or agent_id: assignments would fail")
    try:
        desk_zone(maps)
    except DeskError as exc:
        problems.append(exc.message)
    for name, cls, key in mapped_objects(maps):
        try:
            found = await client.get(cls, key, "name")
        except DeskError as exc:
            problems.append(f"mapping {name}: {exc.message}")
            continue
        if len(found) != 1:
            problems.append(f"mapping {name} = {key!r} matches {len(found)} {cls} objects, not exactly one")
        elif name == "org_id":
            notes.append(f"organization {found[0].get('name')!r}")
    problems += await _rights(client)
    if problems:
        return CheckResult(CheckOutcome.PROBLEMS, "; ".join(problems))
    return CheckResult(CheckOutcome.OK, "; ".join([
        *notes, f"{len(mapped_objects(maps))} mappings resolve to one object each",
        "may create, update and apply stimuli"]))


async def _rights(client: ItopClient) -> list[str]:
    probes = [("create", "core/create", {"fields": {}, "comment": "groupdesk check-desk"}),
              ("update", "core/update", {"key": NOTHING, "fields": {}, "comment": "groupdesk check-desk"}),
              ("apply stimuli to", "core/apply_stimulus",
               {"key": NOTHING, "stimulus": "ev_assign", "fields": {}, "comment": "groupdesk check-desk"})]
    missing = []
    for verb, operation, params in probes:
        try:
            await client.call(operation, **{"class": "UserRequest"}, **params)
        except DeskError as exc:
            if exc.code == UNAUTHORIZED:
                missing.append(f"the account may not {verb} UserRequests ({exc.message})")
    return missing
