"""GLPI connector: group tickets mirrored as GLPI Tickets with followups and solutions."""

from __future__ import annotations

import html
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

import httpx

from tenants.desks import render
from tenants.desks.base import (
    CheckOutcome,
    CheckResult,
    DeskChanges,
    DeskConfig,
    DeskError,
    DeskEvent,
    DeskKind,
    DeskTicket,
    EventKind,
    RemoteTicket,
)
from tenants.desks.glpi_changes import glpi_changes
from tenants.desks.glpi_rights import missing_rights
from tenants.desks.glpi_client import GlpiClient

NEW, ASSIGNED, PLANNED, WAITING, SOLVED, CLOSED = 1, 2, 3, 4, 5, 6
NAME, ID, CONTENT = "1", "2", "21"  # Ticket search options: name (title), id, description
# The GLPI statuses that agree with each group state (what reconciliation compares).
EXPECTED: dict[str, tuple[int, ...]] = {
    "NEW": (NEW,), "WAITING_FOR_APPROVAL": (NEW,), "APPROVED": (NEW,),
    "ASSIGNED": (ASSIGNED, PLANNED), "IN_PROGRESS": (ASSIGNED, PLANNED), "PENDING": (WAITING,),
    "RESOLVED": (SOLVED,), "CLOSED": (CLOSED,), "REJECTED": (CLOSED,),
}
RESYNC_AS: dict[str, EventKind] = {
    "ASSIGNED": EventKind.TAKEN, "IN_PROGRESS": EventKind.TAKEN, "PENDING": EventKind.PENDING,
    "RESOLVED": EventKind.RESOLVED, "CLOSED": EventKind.CLOSED, "REJECTED": EventKind.CLOSED,
}


def plan(kind: EventKind, status: int, group_state: str | None = None) -> list[str]:
    """Steps bringing a GLPI ticket in line with an event: `solution` or `status:N`."""
    if kind is EventKind.RESYNCED:
        if group_state in EXPECTED and status in EXPECTED[group_state]:
            return []
        kind = RESYNC_AS.get(group_state or "", EventKind.COMMENTED)
    if status == CLOSED and kind not in (EventKind.COMMENTED, EventKind.CLOSED):
        raise DeskError(f"{kind.value} cannot be mirrored to a closed ticket", retryable=False)
    match kind:
        case EventKind.ASSIGNED | EventKind.TAKEN:
            return [f"status:{ASSIGNED}"] if status in (NEW, WAITING, SOLVED) else []
        case EventKind.PENDING:
            return [] if status == WAITING else [f"status:{WAITING}"]
        case EventKind.ANSWERED:
            return [f"status:{ASSIGNED}"] if status == WAITING else []
        case EventKind.RESOLVED:
            return ["solution"] if status < SOLVED else []
        case EventKind.REOPENED:
            return [f"status:{ASSIGNED}"] if status == SOLVED else []
        case EventKind.CLOSED:
            if status == CLOSED:
                return []
            return [f"status:{CLOSED}"] if status == SOLVED else ["solution", f"status:{CLOSED}"]
        case EventKind.COMMENTED:
            return []
    raise ValueError(f"{kind.value} is mirrored by create(), not apply()")


class GlpiConnector:
    """Mirrors group tickets to one school's GLPI."""

    kind = DeskKind.GLPI

    def __init__(self, config: DeskConfig, http: httpx.AsyncClient | None = None) -> None:
        self.config = config
        self.maps: Mapping[str, Any] = config.mappings
        self.client = GlpiClient(config, http)

    async def find(self, group_ref: str) -> RemoteTicket | None:
        """Search ticket names for the `[GRP-…]` prefix; the oldest match wins."""
        prefix = render.ref_prefix(group_ref)
        params = {
            "criteria[0][field]": NAME,
            "criteria[0][searchtype]": "contains",
            "criteria[0][value]": prefix,
            "forcedisplay[0]": ID,
            "forcedisplay[1]": NAME,
            "forcedisplay[2]": CONTENT,
            "range": "0-49",
        }
        body = self.client.json(await self.client.request("GET", "search/Ticket", params=params))
        data = (body.get("data") or []) if isinstance(body, Mapping) else []
        # Rows come as a list, or keyed by id with `withindexes`; no `data` at all when empty.
        rows = [{ID: k, **v} for k, v in data.items()] if isinstance(data, Mapping) else list(data)
        # Only a ticket carrying this installation's exact marker is ours.
        mark = render.ticket_marker(self.config.installation, group_ref)
        ids = sorted(int(r[ID]) for r in rows
                     if str(r.get(NAME, "")).startswith(prefix) and mark in str(r.get(CONTENT, "")))
        return RemoteTicket(id=str(ids[0]), ref=str(ids[0])) if ids else None

    async def create(self, ticket: DeskTicket) -> RemoteTicket:
        """POST Ticket/, unless a previous attempt already created it."""
        existing = await self.find(ticket.group_ref)
        if existing is not None:
            return existing
        urgency = render.priority_rank(ticket.priority) + 1  # GLPI: 1 very low .. 5 very high
        fields: dict[str, Any] = {
            "name": render.titled(ticket),
            "content": render.text_to_html(render.description(ticket, self.config.installation)),
            "type": self.maps.get("type", 2),  # 2: request, 1: incident
            "urgency": urgency,
            "impact": self.maps.get("impact", 3),
            "priority": urgency,
        }
        if self.maps.get("entities_id") is not None:
            fields["entities_id"] = self.maps["entities_id"]
        category = self._category(ticket)
        if category is not None:
            fields["itilcategories_id"] = category
        body = self.client.json(await self.client.request("POST", "Ticket/", json={"input": fields}))
        new_id = body.get("id") if isinstance(body, Mapping) else None
        if not new_id:
            message = body.get("message") if isinstance(body, Mapping) else body
            raise DeskError(f"GLPI refused the ticket: {message}", retryable=False)
        return RemoteTicket(id=str(new_id), ref=str(new_id))

    def _category(self, ticket: DeskTicket) -> Any:
        table = self.maps.get("itilcategories_id")
        if not isinstance(table, Mapping):
            return table
        for key in (f"{ticket.brick}/{ticket.service}/{ticket.sub_service}",
                    f"{ticket.brick}/{ticket.service}", ticket.brick, "*"):
            if key in table:
                return table[key]
        return None

    async def apply(self, remote: RemoteTicket, event: DeskEvent) -> None:
        """Followup (once per event) then status changes; safe to repeat for the same event."""
        if event.kind is EventKind.OPENED:
            raise ValueError("ticket.opened is mirrored by create(), not apply()")
        tid = int(remote.id)
        current = await self._get(f"Ticket/{tid}")
        owner = render.foreign_marker(html.unescape(str(current.get("content") or "")),
                                      self.config.installation, event.ticket.group_ref)
        if owner is not None:
            raise DeskError(f"GLPI ticket {tid} belongs to another groupdesk installation ({owner}), "
                            f"not this one ({self.config.installation}): the mirror points to the "
                            "wrong ticket", retryable=False)
        status = int(current["status"])
        try:
            steps = plan(event.kind, status, event.ticket.state)
        except DeskError:
            raise DeskError(f"GLPI ticket {tid} is closed: {event.kind.value} cannot be mirrored",
                            retryable=False) from None
        text = render.comment(event)
        # For a resolution the solution itself is the public text; other events get a followup.
        if event.kind is not EventKind.RESOLVED and not await self._followed_up(tid, event):
            await self._post("ITILFollowup", {"itemtype": "Ticket", "items_id": tid,
                                              "content": render.text_to_html(text), "is_private": 0})
        for step in steps:
            if step == "solution":
                solution = render.text_to_html(self._solution(event, text))
                await self._post("ITILSolution", {"itemtype": "Ticket", "items_id": tid, "content": solution})
            else:
                await self._set_status(tid, int(step.split(":")[1]))

    def _solution(self, event: DeskEvent, text: str) -> str:
        if event.kind is EventKind.RESOLVED:
            if not (event.message or "").strip():
                raise DeskError(f"GLPI needs a solution text to resolve; {event.ticket.group_ref} was "
                                "resolved without one", retryable=False)
            return text
        if event.kind is EventKind.RESYNCED and (event.message or "").strip():
            return text
        return render.closed_without_solution(event.ticket)

    async def _get(self, path: str, **params: str) -> Any:
        try:
            return self.client.json(await self.client.request("GET", path, params=params))
        except DeskError as exc:
            if exc.code == "ERROR_ITEM_NOT_FOUND":
                raise DeskError(f"GLPI has no {path}: it was deleted or the mirror points to the "
                                "wrong ticket", retryable=False, code=exc.code) from None
            raise

    async def _followed_up(self, tid: int, event: DeskEvent) -> bool:
        followups = await self._get(f"Ticket/{tid}/ITILFollowup", range="0-999")
        mark = render.marker(event)
        return any(mark in str(f.get("content", "")) for f in followups or [])

    async def _post(self, itemtype: str, fields: Mapping[str, Any]) -> None:
        body = self.client.json(await self.client.request("POST", f"{itemtype}/", json={"input": fields}))
        if not (isinstance(body, Mapping) and body.get("id")):
            raise DeskError(f"GLPI refused the {itemtype}: {body}", retryable=False)

    async def _set_status(self, tid: int, status: int) -> None:
        fields: dict[str, Any] = {"status": status}
        if status == ASSIGNED:
            for key in ("users_id_assign", "groups_id_assign"):
                if self.maps.get(key) is not None:
                    fields[f"_{key}"] = self.maps[key]
        body = self.client.json(await self.client.request("PUT", f"Ticket/{tid}", json={"input": fields}))
        results = body if isinstance(body, list) else [body]
        for result in results:
            if isinstance(result, Mapping) and result.get(str(tid)) is False:
                raise DeskError(f"GLPI refused to set ticket {tid} to status {status}: "
                                f"{result.get('message') or 'no reason given'}", retryable=False)

    async def changes(self, since: str | None, start: datetime,
                      remote_ids: Collection[str]) -> DeskChanges:
        """What the school's technicians changed on these tickets since the cursor (glpi_changes)."""
        return await glpi_changes(self.client, self.maps, since, start, remote_ids)

    async def check(self) -> CheckResult:
        """initSession proves URL, App-Token and user token; then every mapped item must exist."""
        try:
            body = await self._get("getFullSession")
        except DeskError as exc:
            return CheckResult.failed(exc)
        session = body.get("session", {}) if isinstance(body, Mapping) else {}
        who = session.get("glpiname", "?")
        active = session.get("glpiactiveprofile") or {}
        profile = active.get("name", "?")
        problems = []
        if lacking := missing_rights(active):
            problems.append(f"profile {profile} of {who} may not: " + ", ".join(lacking))
        for name, itemtype, value in self._mapped_items():
            try:
                await self._get(f"{itemtype}/{int(value)}")
            except (DeskError, TypeError, ValueError) as exc:
                problems.append(f"mapping {name} = {value!r}: no such {itemtype}"
                                + ("" if isinstance(exc, DeskError) and exc.code == "ERROR_ITEM_NOT_FOUND"
                                   else f" ({getattr(exc, 'message', exc)})"))
        if problems:
            return CheckResult(CheckOutcome.PROBLEMS, "; ".join(problems))
        return CheckResult(CheckOutcome.OK, f"GLPI API answers at {self.client.base_url}; logged in as "
                                            f"{who} with profile {profile}")

    def _mapped_items(self) -> list[tuple[str, str, Any]]:
        """(mapping, GLPI itemtype, id) for the entity, categories, user and group the mappings name."""
        items: list[tuple[str, str, Any]] = []
        if self.maps.get("entities_id") is not None:
            items.append(("entities_id", "Entity", self.maps["entities_id"]))
        categories = self.maps.get("itilcategories_id")
        if isinstance(categories, Mapping):
            items += [(f"itilcategories_id[{k}]", "ITILCategory", v) for k, v in categories.items()]
        elif categories is not None:
            items.append(("itilcategories_id", "ITILCategory", categories))
        for key, itemtype in (("users_id_assign", "User"), ("groups_id_assign", "Group")):
            if self.maps.get(key) is not None:
                items.append((key, itemtype, self.maps[key]))
        return items

    async def aclose(self) -> None:
        """End the GLPI session and close the HTTP client if we own it."""
        await self.client.aclose()
