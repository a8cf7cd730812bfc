"""How group tickets and events read on a local desk (titles, descriptions, public comments)."""

from __future__ import annotations

import hashlib
import html
import re

from tenants.desks.base import DeskEvent, DeskTicket, EventKind

_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,80}$")


def ref_prefix(group_ref: str) -> str:
    """The tag put in front of local titles, e.g. `[GRP-2026-000123]`."""
    return f"[{group_ref}]"


def titled(ticket: DeskTicket, limit: int = 255) -> str:
    """The local title: ref prefix then the group title, cut to the desk's column size."""
    text = f"{ref_prefix(ticket.group_ref)} {ticket.title.strip()}"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def service_path(ticket: DeskTicket) -> str:
    """Brick > service > sub-service, as people name the catalogue entry."""
    return " > ".join(part for part in (ticket.brick, ticket.service, ticket.sub_service) if part)


def description(ticket: DeskTicket) -> str:
    """The local description: the request text followed by what the local agent needs to know."""
    facts = [
        f"Group ticket: {ticket.group_ref}",
        f"School: {ticket.school}",
        f"Service: {service_path(ticket)}",
        f"Priority: {ticket.priority}",
    ]
    if ticket.requester_name or ticket.requester_email:
        who = ticket.requester_name or ""
        if ticket.requester_email:
            who = f"{who} <{ticket.requester_email}>".strip()
        facts.append(f"Requester: {who}")
    return f"{ticket.description.strip()}\n\n-- \n" + "\n".join(facts)


def marker(event: DeskEvent) -> str:
    """A short tag naming the event, put in every comment so a retried delivery can spot it."""
    ident = event.event_id
    if not _SAFE_ID.match(ident):
        # Desks may escape or mangle odd characters; a digest keeps the tag searchable as is.
        ident = "sha256-" + hashlib.sha256(ident.encode()).hexdigest()[:32]
    return f"[groupdesk event {ident}]"


def headline(event: DeskEvent) -> str:
    """One line saying what happened, in the words a school agent expects."""
    author = event.author or "the group experts"
    match event.kind:
        case EventKind.OPENED:
            return f"Opened in groupdesk by {event.author or 'the school'}."
        case EventKind.ASSIGNED:
            return f"Assigned to {event.ticket.assignee or 'a group expert'} in groupdesk."
        case EventKind.TAKEN:
            return f"Taken in charge by {event.ticket.assignee or author}."
        case EventKind.PENDING:
            return f"Question from {author}; waiting for the school's answer."
        case EventKind.ANSWERED:
            return f"Answer from {event.author or 'the school'}."
        case EventKind.COMMENTED:
            return f"Comment from {author}."
        case EventKind.RESOLVED:
            return f"Resolved by {author}."
        case EventKind.REOPENED:
            return f"Reopened by {event.author or 'groupdesk'}."
        case EventKind.CLOSED:
            return f"Closed by {event.author or 'groupdesk'}."
    raise ValueError(f"unknown event kind {event.kind!r}")


def comment(event: DeskEvent) -> str:
    """The public comment mirrored for an event: headline, message, marker."""
    parts = [headline(event)]
    if event.message and event.message.strip():
        parts.append(event.message.strip())
    parts.append(marker(event))
    return "\n\n".join(parts)


def text_to_html(text: str) -> str:
    """Plain text as minimal HTML, for desks whose rich-text fields drop line breaks."""
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    return "".join(
        "<p>" + "<br>".join(html.escape(line) for line in p.split("\n")) + "</p>" for p in paragraphs
    )


def priority_rank(priority: str) -> int:
    """LOW=1 .. CRITICAL=4; unknown values count as NORMAL rather than failing a delivery."""
    return {"LOW": 1, "NORMAL": 2, "HIGH": 3, "CRITICAL": 4}.get(priority.upper(), 2)
