"""How group tickets and events read on a local desk (titles, descriptions, public comments)."""

from __future__ import annotations

import hashlib
import html
import re

from tenants.desks.base import DeskEvent, DeskTicket, EventKind
from tenants.i18n import gettext_for

_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,80}$")
_TICKET_MARK = re.compile(r"\[groupdesk ([A-Za-z0-9-]{4,40}) ([A-Z]+-\d{4}-\d+)\]")


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


def ticket_marker(installation: str, group_ref: str) -> str:
    """The tag naming a group ticket of one installation: look-ups match it exactly."""
    return f"[groupdesk {installation} {group_ref}]" if installation else f"[groupdesk {group_ref}]"


def foreign_marker(text: str, installation: str, group_ref: str) -> str | None:
    """Another installation's identity when `text` carries its marker for this ref (never ours)."""
    for found in _TICKET_MARK.finditer(text or ""):
        owner, ref = found.group(1), found.group(2)
        if ref == group_ref and owner != installation:
            return owner
    return None


def form_lines(ticket: DeskTicket) -> str:
    """The request form's answers, one `Title: value` line each."""
    return fact_lines([(str(title), str(value)) for title, value in ticket.form])


def description(ticket: DeskTicket, installation: str = "") -> str:
    """The local description: the request text, the form's answers, then what the local agent
    needs to know, ending with the ticket's marker."""
    _ = gettext_for(ticket.language)
    facts = [
        (_("Group ticket"), ticket.group_ref),
        (_("School"), ticket.school),
        (_("Service"), service_path(ticket)),
        (_("Priority"), ticket.priority),
    ]
    if ticket.requester_name or ticket.requester_email:
        who = ticket.requester_name or ""
        if ticket.requester_email:
            who = f"{who} <{ticket.requester_email}>".strip()
        facts.append((_("Requester"), who))
    text = ticket.description.strip()
    if ticket.form:
        text += "\n\n" + _("Request form") + ":\n" + form_lines(ticket)
    marker = ticket_marker(installation, ticket.group_ref)
    return f"{text}\n\n-- \n" + fact_lines(facts) + f"\n{marker}"


def fact_lines(facts: list[tuple[str, str]]) -> str:
    """`Label: value` lines, the labels already in the school's language."""
    return "\n".join(f"{label}: {value}" for label, value in facts)


def marker(event: DeskEvent) -> str:
    """A short tag naming the event, put in every comment so a retried delivery can spot it."""
    ident = event.event_id
    if not _SAFE_ID.match(ident):
        # Desks may escape or mangle odd characters; a digest keeps the tag searchable as is.
        ident = "sha256-" + hashlib.sha256(ident.encode()).hexdigest()[:32]
    return f"[groupdesk event {ident}]"


def headline(event: DeskEvent) -> str:
    """One line saying what happened, in the words (and the language) a school agent expects."""
    _ = gettext_for(event.ticket.language)
    experts, school = _("the group experts"), _("the school")
    author = event.author or experts
    assignee = event.ticket.assignee
    match event.kind:
        case EventKind.OPENED:
            return _("Opened in groupdesk by {author}.").format(author=event.author or school)
        case EventKind.ASSIGNED:
            return _("Assigned to {assignee} in groupdesk.").format(assignee=assignee or _("a group expert"))
        case EventKind.TAKEN:
            return _("Taken in charge by {assignee}.").format(assignee=assignee or author)
        case EventKind.PENDING:
            return _("Question from {author}; waiting for the school's answer.").format(author=author)
        case EventKind.ANSWERED:
            return _("Answer from {author}.").format(author=event.author or school)
        case EventKind.COMMENTED:
            return _("Comment from {author}.").format(author=author)
        case EventKind.RESOLVED:
            return _("Resolved by {author}.").format(author=author)
        case EventKind.REOPENED:
            return _("Reopened by {author}.").format(author=event.author or "groupdesk")
        case EventKind.CLOSED:
            return _("Closed by {author}.").format(author=event.author or "groupdesk")
        case EventKind.RESYNCED:
            return _("State brought back in line with groupdesk ({state}).").format(state=event.ticket.state)
    raise ValueError(f"unknown event kind {event.kind!r}")


def fulfilment_note(language: str | None, *, system: str, status: str, name: str,
                    message: str | None) -> str:
    """The public note a desk gets when automation reports a ticket's fulfilment status."""
    _ = gettext_for(language)
    text = _("Fulfilment status from {system}: {name} ({status}).").format(system=system, name=name,
                                                                          status=status)
    if message and message.strip():
        text += "\n" + message.strip()
    return text


def closed_without_solution(ticket: DeskTicket) -> str:
    """The solution text a desk requires when the group closed a ticket without writing one."""
    _ = gettext_for(ticket.language)
    return _("Closed in groupdesk ({ref}) without a separate solution.").format(ref=ticket.group_ref)


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
