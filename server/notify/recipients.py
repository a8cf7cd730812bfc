"""Who gets what: the one table from a history event to the kinds of notification and their audiences.

Pure rules, no SQL: the follower (server.notify.follow) asks `deliveries` which audiences an event
reaches, then finds the people of each audience in the database. `describe_rules` prints the table
the README shows (a test holds the two together). Three rules hold for every row: internal events
never reach the school's side, the actor is never told of their own action, and technical accounts
(desk connectors) and deactivated people are told nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class NotificationKind(StrEnum):
    """What a notification says happened; each kind of mail can be turned off by its reader."""

    ASSIGNED = "ASSIGNED"                  # an expert has the ticket (routed, taken, assigned)
    QUESTION = "QUESTION"                  # the expert asks the school something (PENDING)
    COMMENT = "COMMENT"                    # a public comment
    ANSWER = "ANSWER"                      # the school answered or commented
    RESOLVED = "RESOLVED"
    CLOSED = "CLOSED"
    REJECTED = "REJECTED"
    REOPENED = "REOPENED"
    APPROVAL_WAITING = "APPROVAL_WAITING"  # a request waits for a manager's approval
    QUEUED = "QUEUED"                      # nobody could be routed: it waits in the brick's queue
    ESCALATED = "ESCALATED"
    FULFILMENT_ERROR = "FULFILMENT_ERROR"  # automation reported an error status on its fulfilment
    DIGEST = "DIGEST"                      # a mail gathering a period's notifications


class Audience(StrEnum):
    """A set of people defined towards one ticket."""

    REQUESTER = "the requester"                       # who opened it, and the requester's e-mail
    SCHOOL_AGENTS = "the opening school's agents"
    SCHOOL_MANAGERS = "the opening school's managers"
    ASSIGNEE = "the assignee"
    BRICK_EXPERTS = "the experts designated for the ticket"
    GROUP_ADMINS = "the group admins"


# The school's side: never told of an internal event.
SCHOOL_SIDE = frozenset({Audience.REQUESTER, Audience.SCHOOL_AGENTS, Audience.SCHOOL_MANAGERS})
SCHOOL_WATCH = frozenset({Audience.REQUESTER, Audience.SCHOOL_AGENTS})


@dataclass(frozen=True, slots=True)
class Delivery:
    """One kind of notification for some audiences."""

    kind: NotificationKind
    audiences: frozenset[Audience]


@dataclass(frozen=True, slots=True)
class Rule:
    """A history event (with the condition it needs) and the deliveries it makes."""

    event: str
    when: str
    deliveries: tuple[Delivery, ...]


def _d(kind: NotificationKind, *audiences: Audience) -> Delivery:
    return Delivery(kind, frozenset(audiences))


_K, _A = NotificationKind, Audience
_ASSIGNED = (_d(_K.ASSIGNED, _A.REQUESTER, _A.SCHOOL_AGENTS, _A.ASSIGNEE),)

RULES: tuple[Rule, ...] = (
    Rule("OPENED", "waiting for approval", (_d(_K.APPROVAL_WAITING, _A.SCHOOL_MANAGERS),)),
    Rule("ROUTED", "to an expert", _ASSIGNED),
    Rule("ROUTED", "nobody to route to", (_d(_K.QUEUED, _A.BRICK_EXPERTS, _A.GROUP_ADMINS),)),
    Rule("TAKEN", "", _ASSIGNED),
    Rule("ASSIGNED", "", _ASSIGNED),
    Rule("PUT_ON_HOLD", "", (_d(_K.QUESTION, _A.REQUESTER, _A.SCHOOL_AGENTS),)),
    Rule("COMMENTED", "public, by the school", (_d(_K.COMMENT, _A.REQUESTER, _A.SCHOOL_AGENTS),
                                                 _d(_K.ANSWER, _A.ASSIGNEE))),
    Rule("COMMENTED", "public, by the group", (_d(_K.COMMENT, _A.REQUESTER, _A.SCHOOL_AGENTS),)),
    Rule("RESOLVED", "", (_d(_K.RESOLVED, _A.REQUESTER, _A.SCHOOL_AGENTS),)),
    Rule("CLOSED", "", (_d(_K.CLOSED, _A.REQUESTER, _A.SCHOOL_AGENTS),)),
    Rule("REJECTED", "", (_d(_K.REJECTED, _A.REQUESTER, _A.SCHOOL_AGENTS),)),
    Rule("REOPENED", "", (_d(_K.REOPENED, _A.ASSIGNEE),)),
    Rule("ESCALATED", "", (_d(_K.ESCALATED, _A.GROUP_ADMINS),)),
    Rule("FULFILMENT", "an error status", (_d(_K.FULFILMENT_ERROR, _A.ASSIGNEE),)),
)
# Not in the table, so nobody is told: APPROVED (routing follows and tells), STATE_CHANGED,
# ANSWERED (its comment already told the assignee), PRIORITY_CHANGED, internal comments,
# FULFILMENT with a status that is no error (the ticket and the desk's note show it).


def _condition(event: str, data: Mapping[str, Any], by_school: bool) -> str:
    if event == "OPENED":
        return "waiting for approval" if data.get("state") == "WAITING_FOR_APPROVAL" else "-"
    if event == "ROUTED":
        return "to an expert" if data.get("assignee_id") is not None else "nobody to route to"
    if event == "COMMENTED":
        return "public, by the school" if by_school else "public, by the group"
    if event == "FULFILMENT":
        return "an error status" if data.get("error") else "-"
    return ""


def deliveries(event: str, data: Mapping[str, Any], *, public: bool,
               by_school: bool) -> tuple[Delivery, ...]:
    """What a history event calls for; internal events keep to the group's staff."""
    when = _condition(event, data, by_school)
    for rule in RULES:
        if rule.event == event and rule.when == when:
            if public:
                return rule.deliveries
            return tuple(Delivery(d.kind, d.audiences - SCHOOL_SIDE) for d in rule.deliveries
                         if d.audiences - SCHOOL_SIDE and event != "COMMENTED")
    return ()


def describe_rules() -> list[str]:
    """The table as README rows: `| event (when) | kind | audiences |`."""
    rows = []
    for rule in RULES:
        event = f"`{rule.event}`" + (f" ({rule.when})" if rule.when else "")
        for d in rule.deliveries:
            who = ", ".join(a.value for a in Audience if a in d.audiences)
            rows.append(f"| {event} | `{d.kind.value}` | {who} |")
    return rows


@dataclass(frozen=True, slots=True)
class Person:
    """What the rules need to know of one person found for a ticket."""

    user_id: int
    tenant_id: int
    tenant_kind: str
    roles: frozenset[str]
    # An expert designation of theirs covers the ticket (and they hold the expert role).
    covers: bool = False


@dataclass(frozen=True, slots=True)
class TicketSide:
    """Who is who on the ticket: its school, who opened it, who has it."""

    tenant_id: int
    opened_by_id: int
    assignee_id: int | None


def audiences_of(person: Person, ticket: TicketSide) -> frozenset[Audience]:
    """Every audience a person belongs to on a ticket."""
    found: set[Audience] = set()
    own_school = person.tenant_id == ticket.tenant_id and person.tenant_kind == "SCHOOL"
    if person.user_id == ticket.opened_by_id:
        found.add(Audience.REQUESTER)
    if own_school and "school-agent" in person.roles:
        found.add(Audience.SCHOOL_AGENTS)
    if own_school and "school-manager" in person.roles:
        found.add(Audience.SCHOOL_MANAGERS)
    if ticket.assignee_id is not None and person.user_id == ticket.assignee_id:
        found.add(Audience.ASSIGNEE)
    if person.covers and "expert" in person.roles:
        found.add(Audience.BRICK_EXPERTS)
    if person.tenant_kind == "GROUP" and "group-admin" in person.roles:
        found.add(Audience.GROUP_ADMINS)
    return frozenset(found)
