"""Pulling what a GLPI's technicians did: tickets by `date_mod`, their followups, solutions.

`search/Ticket` with a `date_mod` criterion (search option 19, `morethan`) names the tickets
changed since the cursor; each one's ITILFollowup list gives the public followups people wrote
(never the API account's own: no echo), and its status where it stands. GLPI writes its server's
local time without an offset: the desk's `timezone` mapping names it (UTC when unset).
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Collection, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tenants.desks.base import DeskChanges, DeskError, LocalComment, LocalStatus, LocalTicketState
from tenants.desks.glpi_client import GlpiClient

FORMAT = "%Y-%m-%d %H:%M:%S"
MARK = "[groupdesk "
ID, STATUS_FIELD, DATE_MOD = "2", "12", "19"
STATUS: Mapping[int, LocalStatus] = {1: LocalStatus.NEW, 2: LocalStatus.WORKING, 3: LocalStatus.WORKING,
                                     4: LocalStatus.PENDING, 5: LocalStatus.RESOLVED, 6: LocalStatus.CLOSED}
NAMES = {1: "new", 2: "assigned", 3: "planned", 4: "waiting", 5: "solved", 6: "closed"}
_TAG = re.compile(r"<[^>]+>")


def plain(text: str) -> str:
    """GLPI's rich text as plain text."""
    return html.unescape(_TAG.sub("\n", text.replace("<br>", "\n"))).strip()


def zone_of(maps: Mapping[str, Any]) -> ZoneInfo:
    name = str(maps.get("timezone") or "UTC")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise DeskError(f"GLPI mapping timezone {name!r} is not a time zone name such as "
                        "Europe/Paris", retryable=False) from None


async def glpi_changes(client: GlpiClient, maps: Mapping[str, Any], since: str | None, start: datetime,
                       remote_ids: Collection[str]) -> DeskChanges:
    """What changed on these tickets since the cursor; never what the API account wrote."""
    zone = zone_of(maps)
    since = since or start.astimezone(zone).strftime(FORMAT)
    # `morethan` is strict: step back a second and let the entries' ids drop what was seen.
    after = (datetime.strptime(since, FORMAT) - timedelta(seconds=1)).strftime(FORMAT)
    params = {"criteria[0][field]": DATE_MOD, "criteria[0][searchtype]": "morethan",
              "criteria[0][value]": after, "forcedisplay[0]": ID, "forcedisplay[1]": STATUS_FIELD,
              "forcedisplay[2]": DATE_MOD, "range": "0-999"}
    body = client.json(await client.request("GET", "search/Ticket", params=params))
    data = (body.get("data") or []) if isinstance(body, Mapping) else []
    rows = [{ID: k, **v} for k, v in data.items()] if isinstance(data, Mapping) else list(data)
    wanted = set(remote_ids)
    rows = [r for r in rows if str(r.get(ID)) in wanted]
    if not rows:
        return DeskChanges([], [], since)
    me = await _own_id(client)
    names: dict[int, str | None] = {}
    comments: list[LocalComment] = []
    states: list[LocalTicketState] = []
    for row in rows:
        tid = str(row[ID])
        followups = client.json(await client.request("GET", f"Ticket/{tid}/ITILFollowup",
                                                     params={"range": "0-999"})) or []
        for followup in followups:
            content, date = plain(str(followup.get("content") or "")), str(followup.get("date") or "")
            if (MARK in content or followup.get("users_id") == me or int(followup.get("is_private") or 0)
                    or date < since or not content):
                continue
            author = await _name(client, followup.get("users_id"), names)
            digest = hashlib.sha256(content.encode()).hexdigest()[:12]
            comments.append(LocalComment(tid, f"glpi:followup:{followup.get('id')}:{digest}", content, author,
                                         datetime.strptime(date, FORMAT).replace(tzinfo=zone).astimezone(UTC)))
        raw = int(row.get(STATUS_FIELD) or 1)
        status = STATUS.get(raw, LocalStatus.WORKING)
        message, by = await _solution(client, tid, names) if status in (
            LocalStatus.RESOLVED, LocalStatus.CLOSED) else (None, None)
        states.append(LocalTicketState(tid, tid, status, NAMES.get(raw, str(raw)), message=message,
                                       changed_by=by))
    cursor = max([since, *(str(r.get(DATE_MOD) or since) for r in rows)])
    return DeskChanges(sorted(comments, key=lambda c: c.at), states, cursor)


async def _own_id(client: GlpiClient) -> Any:
    session = client.json(await client.request("GET", "getFullSession"))
    return (session.get("session") or {}).get("glpiID") if isinstance(session, Mapping) else None


async def _name(client: GlpiClient, user_id: Any, names: dict[int, str | None]) -> str | None:
    if not user_id:
        return None
    if int(user_id) not in names:
        try:
            user = client.json(await client.request("GET", f"User/{int(user_id)}"))
            full = f"{user.get('firstname') or ''} {user.get('realname') or ''}".strip()
            names[int(user_id)] = full or user.get("name")
        except DeskError:
            names[int(user_id)] = None  # a profile that cannot read users still gets the text
    return names[int(user_id)]


async def _solution(client: GlpiClient, tid: str, names: dict[int, str | None]) -> tuple[str | None, str | None]:
    solutions = client.json(await client.request("GET", f"Ticket/{tid}/ITILSolution")) or []
    if not solutions:
        return None, None
    latest = max(solutions, key=lambda s: int(s.get("id") or 0))
    text = plain(str(latest.get("content") or ""))
    if MARK in text:
        return None, None  # the group's own solution
    return text or None, await _name(client, latest.get("users_id"), names)
