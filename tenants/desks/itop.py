"""iTop connector: group tickets mirrored as UserRequest objects through the REST/JSON API."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

import httpx

from tenants.desks import render
from tenants.desks.base import (
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
from tenants.desks.itop_changes import itop_changes
from tenants.desks.itop_check import check_itop
from tenants.desks.itop_client import ItopClient, Key, oql_quote
from tenants.desks.itop_lifecycle import Unreachable, plan, target_fields

CLASS = "UserRequest"
_ATTCODE = re.compile(r"^[a-z_][a-z0-9_]*$")


class ItopConnector:
    """Mirrors group tickets to one school's iTop."""

    kind = DeskKind.ITOP

    def __init__(self, config: DeskConfig, http: httpx.AsyncClient | None = None) -> None:
        self.config = config
        self.maps: Mapping[str, Any] = config.mappings
        self.client = ItopClient(config, http)
        ref_field = self.maps.get("ref_field")
        if ref_field is not None and not _ATTCODE.match(str(ref_field)):
            raise DeskError(f"iTop mapping ref_field {ref_field!r} is not an attribute code", retryable=False)
        self.ref_field: str | None = ref_field

    async def find(self, group_ref: str) -> RemoteTicket | None:
        """The UserRequest carrying this installation's exact marker for the ref, if any.

        Candidates come from the dedicated field if mapped, else the title prefix; only one whose
        description holds our marker is ours: another installation's ticket with the same ref
        (a staging copy, a rebuilt server) is never adopted.
        """
        prefix = render.ref_prefix(group_ref)
        if self.ref_field:
            oql = f"SELECT {CLASS} WHERE {self.ref_field} = {oql_quote(group_ref)}"
            fields = f"id,ref,description,{self.ref_field}"
        else:
            oql = f"SELECT {CLASS} WHERE title LIKE {oql_quote(prefix + '%')}"
            fields = "id,ref,title,description"
        rows = await self.client.get(CLASS, oql, fields)
        # LIKE is case-insensitive and treats _ and % as wildcards: keep exact matches only.
        if self.ref_field:
            rows = [r for r in rows if r.get(self.ref_field) == group_ref]
        else:
            rows = [r for r in rows if str(r.get("title", "")).startswith(prefix)]
        mark = render.ticket_marker(self.config.installation, group_ref)
        rows = [r for r in rows if mark in str(r.get("description") or "")]
        if not rows:
            return None
        oldest = min(rows, key=lambda r: int(r["id"]))
        return RemoteTicket(id=str(oldest["id"]), ref=str(oldest["ref"]))

    async def create(self, ticket: DeskTicket) -> RemoteTicket:
        """Create the UserRequest, unless a previous attempt already did."""
        existing = await self.find(ticket.group_ref)
        if existing is not None:
            return existing
        fields = await self._creation_fields(ticket)
        obj = await self.client.write(
            "core/create",
            CLASS,
            fields=fields,
            comment=f"groupdesk: mirror of {ticket.group_ref}",
            output_fields="id,ref,status",
        )
        return RemoteTicket(id=str(obj["id"]), ref=str(obj["ref"]))

    async def _creation_fields(self, ticket: DeskTicket) -> dict[str, Any]:
        org = self.maps.get("org_id", self.maps.get("org"))
        if org is None:
            raise DeskError(
                "iTop mapping needs org_id (an id, or criteria such as {\"name\": ...})", retryable=False
            )
        fields: dict[str, Any] = {
            "org_id": org,
            "title": render.titled(ticket),
            "description": render.text_to_html(render.description(ticket, self.config.installation)),
            # iTop computes priority from impact x urgency; with impact 2 priority equals urgency.
            "urgency": str(5 - render.priority_rank(ticket.priority)),
            "impact": str(self.maps.get("impact", 2)),
        }
        caller = await self._caller(ticket)
        if caller is not None:
            fields["caller_id"] = caller
        fields.update(self._service(ticket))
        if self.maps.get("origin"):
            fields["origin"] = self.maps["origin"]
        if self.ref_field:
            fields[self.ref_field] = ticket.group_ref
        return fields

    async def _caller(self, ticket: DeskTicket) -> Any:
        """The caller: the requester's Person found by e-mail, else the configured fallback."""
        mode = self.maps.get("caller", "email")
        if mode != "email":
            return mode
        if ticket.requester_email:
            people = await self.client.get("Person", {"email": ticket.requester_email}, "id")
            if people:
                return int(people[0]["id"])
        # No matching contact must not block the mirror: the description names the requester.
        return self.maps.get("caller_id")

    def _service(self, ticket: DeskTicket) -> dict[str, Any]:
        """service_id / servicesubcategory_id of the most specific catalogue key mapped."""
        table: Mapping[str, Any] = self.maps.get("service") or {}
        keys = (
            f"{ticket.brick}/{ticket.service}/{ticket.sub_service}",
            f"{ticket.brick}/{ticket.service}",
            ticket.brick,
            "*",
        )
        for key in keys:
            if key in table:
                value = table[key]
                if isinstance(value, Mapping):
                    return {k: value[k] for k in ("service_id", "servicesubcategory_id") if k in value}
                return {"service_id": value}
        return {}

    async def apply(self, remote: RemoteTicket, event: DeskEvent) -> None:
        """Append the public comment and walk the lifecycle; safe to repeat for the same event."""
        if event.kind is EventKind.OPENED:
            raise ValueError("ticket.opened is mirrored by create(), not apply()")
        key: Key = int(remote.id) if remote.id.isdigit() else {"ref": remote.ref}
        rows = await self.client.get(CLASS, key, "id,ref,status,team_id,agent_id,description,public_log")
        if not rows:
            raise DeskError(
                f"iTop has no UserRequest {remote.ref or remote.id}: it was deleted or the mirror "
                "points to the wrong ticket",
                retryable=False,
            )
        current = rows[0]
        owner = render.foreign_marker(str(current.get("description") or ""), self.config.installation,
                                      event.ticket.group_ref)
        if owner is not None:
            raise DeskError(
                f"iTop {current.get('ref')} belongs to another groupdesk installation ({owner}), not "
                f"this one ({self.config.installation}): the mirror points to the wrong ticket",
                retryable=False,
            )
        if _logged(current.get("public_log"), render.marker(event)):
            return  # a previous delivery of this event went through entirely
        status = str(current.get("status"))
        try:
            steps = plan(event.kind, status, event.ticket.state)
        except Unreachable as exc:
            raise DeskError(
                f"iTop {current.get('ref')} is '{status}': {event.kind.value} cannot be mirrored ({exc})",
                retryable=False,
            ) from None
        if steps == ["ev_reassign"] and self._same_assignment(current):
            steps = []
        log = {"public_log": {"add_item": {"message": render.comment(event), "format": "text"}}}
        comment = f"groupdesk: {event.kind.value} on {event.ticket.group_ref}"
        if not steps:
            await self.client.write(
                "core/update", CLASS, key=key, fields=log, comment=comment, output_fields="id"
            )
        for index, stimulus in enumerate(steps):
            fields = self._stimulus_fields(stimulus, event)
            if index == len(steps) - 1:
                # The comment rides on the last stimulus: it is logged only if the walk completes.
                fields.update(log)
            await self.client.write(
                "core/apply_stimulus",
                CLASS,
                key=key,
                stimulus=stimulus,
                fields=fields,
                comment=comment,
                output_fields="id,status",
            )

    def _stimulus_fields(self, stimulus: str, event: DeskEvent) -> dict[str, Any]:
        needs = target_fields(stimulus)
        fields: dict[str, Any] = {}
        if "team_id" in needs:
            team, agent = self.maps.get("team_id"), self.maps.get("agent_id")
            if team is None or agent is None:
                # iTop's REST layer lets empty links through, so we must refuse ourselves.
                raise DeskError(
                    "iTop mapping needs team_id and agent_id to assign tickets", retryable=False
                )
            fields.update(team_id=team, agent_id=agent)
        text = (event.message or "").strip()
        if "pending_reason" in needs:
            fields["pending_reason"] = text or render.headline(event)
        if "solution" in needs:
            if not text and event.kind in (EventKind.CLOSED, EventKind.RESYNCED):
                text = render.closed_without_solution(event.ticket)
            fields["solution"] = text
            fields["resolution_code"] = self.maps.get("resolution_code", "assistance")
        return fields

    def _same_assignment(self, current: Mapping[str, Any]) -> bool:
        team, agent = self.maps.get("team_id"), self.maps.get("agent_id")
        if isinstance(team, Mapping) or isinstance(agent, Mapping):
            return False
        return str(current.get("team_id")) == str(team) and str(current.get("agent_id")) == str(agent)

    async def changes(self, since: str | None, start: datetime,
                      remote_ids: Collection[str]) -> DeskChanges:
        """What the school's agents changed on these tickets since the cursor (see itop_changes)."""
        return await itop_changes(self.client, self.maps, since, start, remote_ids)

    async def check(self) -> CheckResult:
        """The login, every mapping (exactly one object each) and the account's rights."""
        return await check_itop(self.client, self.config)

    async def aclose(self) -> None:
        """Close the HTTP client if we own it."""
        await self.client.aclose()


def _logged(public_log: Any, mark: str) -> bool:
    """Whether a case log (entries object or plain text, by iTop version) holds the marker."""
    if isinstance(public_log, Mapping):
        entries = public_log.get("entries") or []
        return any(mark in str(e.get("message", "")) + str(e.get("message_html", "")) for e in entries)
    return isinstance(public_log, str) and mark in public_log
