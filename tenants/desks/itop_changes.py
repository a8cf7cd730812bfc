"""Pulling what a stock iTop's agents did: changed UserRequests, their public log, status records.

Stock iTop cannot push (no webhook action), so the group reads over REST: `core/get` on
`UserRequest` by `last_update` (with `public_log` entries: date, user_login, user_id, message) and on
`CMDBChangeOpSetAttributeScalar` for status changes. iTop writes its server's local time without an
offset: the desk's `timezone` mapping names it (UTC when unset).
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tenants.desks.base import DeskChanges, DeskError, LocalComment, LocalStatus, LocalTicketState
from tenants.desks.itop_client import ItopClient, oql_quote

FORMAT = "%Y-%m-%d %H:%M:%S"
MARK = "[groupdesk "
STATUS: Mapping[str, LocalStatus] = {
    "new": LocalStatus.NEW, "escalated_tto": LocalStatus.NEW, "approved": LocalStatus.NEW,
    "waiting_for_approval": LocalStatus.NEW, "assigned": LocalStatus.WORKING,
    "escalated_ttr": LocalStatus.WORKING, "pending": LocalStatus.PENDING,
    "resolved": LocalStatus.RESOLVED, "closed": LocalStatus.CLOSED, "rejected": LocalStatus.CLOSED,
}


def desk_zone(maps: Mapping[str, Any]) -> ZoneInfo:
    """The iTop server's time zone, from the `timezone` mapping."""
    name = str(maps.get("timezone") or "UTC")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise DeskError(f"iTop mapping timezone {name!r} is not a time zone name such as "
                        "Europe/Paris", retryable=False) from None


def to_utc(text: str, zone: ZoneInfo) -> datetime:
    """An iTop date (local, no offset) as an aware UTC datetime."""
    return datetime.strptime(text, FORMAT).replace(tzinfo=zone).astimezone(UTC)


async def organization_id(client: ItopClient, org: Any) -> str:
    """The org_id mapping as an id (criteria must match one Organization)."""
    if not isinstance(org, Mapping):
        return str(org)
    rows = await client.get("Organization", org, "id")
    if len(rows) != 1:
        raise DeskError(f"iTop mapping org_id {dict(org)!r} matches {len(rows)} organizations, "
                        "not exactly one", retryable=False)
    return str(rows[0]["key"])


async def itop_changes(client: ItopClient, maps: Mapping[str, Any], since: str | None, start: datetime,
                       remote_ids: Collection[str]) -> DeskChanges:
    """What changed on these local tickets since the cursor; never what the integration wrote."""
    zone = desk_zone(maps)
    since = since or start.astimezone(zone).strftime(FORMAT)
    org = maps.get("org_id", maps.get("org"))
    if org is None:
        raise DeskError("iTop mapping needs org_id to read what changed", retryable=False)
    oql = (f"SELECT UserRequest WHERE org_id = {await organization_id(client, org)} "
           f"AND last_update >= {oql_quote(since)}")
    rows = await client.get("UserRequest", oql, "id,ref,status,public_log,last_update,solution")
    wanted = set(remote_ids)
    mine: dict[str, dict[str, Any]] = {}
    for row in rows:
        key = str(row.get("key") or row.get("id"))
        if key in wanted:
            mine[key] = row
        elif str(row.get("ref")) in wanted:
            mine[str(row["ref"])] = row
    cursor = max([since, *(str(r.get("last_update") or since) for r in mine.values())])
    changed_by = await _status_authors(client, since) if mine else {}
    comments: list[LocalComment] = []
    states: list[LocalTicketState] = []
    for remote_id, row in mine.items():
        key = str(row.get("key") or row.get("id"))
        comments += _comments(remote_id, key, row.get("public_log"), since, zone)
        raw = str(row.get("status"))
        status = STATUS.get(raw, LocalStatus.WORKING)
        solution = str(row.get("solution") or "").strip() or None
        states.append(LocalTicketState(remote_id, str(row.get("ref")), status, raw,
                                       message=solution if status in (LocalStatus.RESOLVED, LocalStatus.CLOSED)
                                       else None, changed_by=changed_by.get(key)))
    return DeskChanges(sorted(comments, key=lambda c: c.at), states, cursor)


def _comments(remote_id: str, key: str, public_log: Any, since: str, zone: ZoneInfo) -> list[LocalComment]:
    entries = (public_log or {}).get("entries") or [] if isinstance(public_log, Mapping) else []
    # The integration's own entries carry a marker; whoever wrote one is the integration.
    ours = {str(e.get("user_id")) for e in entries if MARK in str(e.get("message", ""))}
    found = []
    for entry in entries:
        message, date = str(entry.get("message") or "").strip(), str(entry.get("date") or "")
        if not message or MARK in message or str(entry.get("user_id")) in ours or date < since:
            continue
        digest = hashlib.sha256(message.encode()).hexdigest()[:16]
        found.append(LocalComment(remote_id, f"itop:{key}:{date}:{entry.get('user_id')}:{digest}",
                                  message, str(entry.get("user_login") or "") or None, to_utc(date, zone)))
    return found


async def _status_authors(client: ItopClient, since: str) -> dict[str, str]:
    """Who made each ticket's latest status change since the cursor (iTop's change records)."""
    oql = ("SELECT CMDBChangeOpSetAttributeScalar WHERE objclass = 'UserRequest' AND attcode = 'status' "
           f"AND date >= {oql_quote(since)}")
    try:
        records = await client.get("CMDBChangeOpSetAttributeScalar", oql, "objkey,newvalue,date,userinfo")
    except DeskError:
        return {}  # a profile that cannot read the history still gets the states
    latest: dict[str, tuple[str, str]] = {}
    for record in records:
        key, date = str(record.get("objkey")), str(record.get("date") or "")
        if key not in latest or date >= latest[key][0]:
            latest[key] = (date, str(record.get("userinfo") or ""))
    return {key: who for key, (_, who) in latest.items() if who}
