"""The policy matrix as data: every GraphQL root operation, how to call it, and what each role gets.

Expectations read "own/other": the outcome for the role's user at INSA Lyon (whose data is acted on)
and for its user at INSA Rennes. Group-level roles use one user for both. Anonymous callers are always
unauthenticated. A new operation needs a row here: test_every_operation_has_a_row fails otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from server.tickets.workflow import TicketState
from tests.policy.world import ACCOUNT_REQUEST, ROLES, World, gid

OK, DENIED, NOT_ALLOWED, HIDDEN, UNAUTHENTICATED = "ok", "denied", "not allowed", "hidden", "unauthenticated"


class Kind(StrEnum):
    QUERY = "Query"
    MUTATION = "Mutation"
    SUBSCRIPTION = "Subscription"


def rule(default: str, overrides: dict[str, str] | None = None) -> dict[str, tuple[str, str]]:
    """Expectations for every role from a default "own/other" and per-role exceptions."""
    table = {role: (overrides or {}).get(role, default) for role in ROLES}
    table["anonymous"] = f"{UNAUTHENTICATED}/{UNAUTHENTICATED}"
    return {role: tuple(value.split("/")) for role, value in table.items()}  # type: ignore[misc]


EVERYONE = rule("ok/ok")
ADMIN_ONLY = rule("denied/denied", {"group-admin": "ok/ok"})
# Lyon's ticket: Lyon's users and group staff see it; Rennes' users (the expert covers another brick)
# get exactly what a missing ticket gives.
SEES_LYON_TICKET = rule("ok/hidden", {"group-admin": "ok/ok", "operations": "ok/ok"})


def ticket_rule(lyon: str, overrides: dict[str, str]) -> dict[str, tuple[str, str]]:
    """A ticket mutation: Rennes' users always get NotFound; `lyon` for Lyon's users by default."""
    return rule(f"{lyon}/hidden", overrides)


@dataclass(frozen=True)
class Operation:
    kind: Kind
    document: str
    expect: dict[str, tuple[str, str]]
    variables: Callable[[World, str], dict[str, Any]] = lambda world, target: {}
    # The object acted on, and a value naming no object: a refusal must look like that miss.
    target: Callable[[World], str] | None = None
    missing: str | None = None
    # Lyon's ticket is put in this state first (ticket operations).
    ticket_state: TicketState | None = None
    # Live subscriptions: what news of Lyon's ticket is published once the subscription listens
    # ("ticket": a change of it; "mirror": a change of its mirror; "notification": a notification
    # about it for the caller).
    live: str | None = None


def query(document: str, expect: dict, **options: Any) -> Operation:
    return Operation(Kind.QUERY, document, expect, **options)


def mutation(field_name: str, input_type: str, expect: dict, **options: Any) -> Operation:
    signature = "$id: ID!" if input_type == "ID" else f"$input: {input_type}!"
    argument = "id: $id" if input_type == "ID" else "input: $input"
    document = (f"mutation({signature}) {{ {field_name}({argument}) "
                "{ __typename ... on Problem { message } } }")
    return Operation(Kind.MUTATION, document, expect, **options)


def _ticket_change(state: TicketState, **extra: Any) -> dict[str, Any]:
    return {"ticket_state": state, "target": lambda w: w.ticket, "missing": gid("Ticket", 987654),
            "variables": lambda w, t: {"input": {"id": t, "version": w.version, **extra}}}


def _ticket_change_with(state: TicketState, extra: Callable[[World], dict[str, Any]]) -> dict[str, Any]:
    return {**_ticket_change(state),
            "variables": lambda w, t: {"input": {"id": t, "version": w.version, **extra(w)}}}


_APPROVAL = {"target": lambda w: w.approval, "missing": gid("Ticket", 987654),
             "variables": lambda w, t: {"input": {"id": t, "version": 1, "reason": "no budget"}}}
_S = TicketState
_DESK_ACCOUNT = rule("denied/denied", {"desk-integration": "ok/hidden"})


def _desk_call(field: str) -> str:
    return f"mutation($id: ID!) {{ {field} {{ __typename ... on Problem {{ message }} }} }}"

_OWN_NOTIFICATION = rule("hidden/hidden", {"school-manager": "ok/hidden"})
_LYON_SUPPORT_AND_OPS = {"group-admin": "not allowed/not allowed", "operations": "ok/ok"}

OPERATIONS: dict[str, Operation] = {
    # Who one is, and what the whole federation shares.
    "viewer": query("{ viewer { user { username } } }", EVERYONE),
    # Everyone chooses their own language, nobody another's; technical accounts send Accept-Language.
    "setMyLanguage": Operation(Kind.MUTATION, 'mutation { setMyLanguage(language: "en") '
                               "{ __typename ... on Problem { message } } }",
                               rule("ok/ok", {"desk-integration": "denied/denied"})),
    "tenants": query("{ tenants { slug } }", EVERYONE),
    "bricks": query("{ bricks { code } }", EVERYONE),
    "brick": query('{ brick(code: "scenari") { code } }', EVERYONE),
    "subService": query("query($id: ID!) { subService(id: $id) { name } }", EVERYONE,
                        variables=lambda w, t: {"id": w.sub_service}),
    "experts": query("{ experts { level } }", EVERYONE),
    "routingRules": query("{ routingRules }", EVERYONE),
    "workflowRules": query("{ workflowRules }", EVERYONE),
    "heartbeat": Operation(Kind.SUBSCRIPTION, "subscription { heartbeat(count: 1) { username } }", EVERYONE),
    # Live updates: news of Lyon's ticket reaches those who may see it (re-checked per event).
    "ticketEvents": Operation(Kind.SUBSCRIPTION, "subscription($id: ID!) { ticketEvents(ticketId: $id) { kind } }",
                              SEES_LYON_TICKET, live="ticket", target=lambda w: w.ticket,
                              missing=gid("Ticket", 987654), variables=lambda w, t: {"id": t}),
    # Lyon's ticket has a mirror (its school has a desk): whoever sees the ticket sees its mirror.
    "ticketMirrorChanged": Operation(
        Kind.SUBSCRIPTION, "subscription($id: ID!) { ticketMirrorChanged(ticketId: $id) { status } }",
        SEES_LYON_TICKET, live="mirror", target=lambda w: w.ticket, missing=gid("Ticket", 987654),
        variables=lambda w, t: {"id": t}),
    "ticketsChanged": Operation(Kind.SUBSCRIPTION, "subscription { ticketsChanged { ticketId change } }",
                                SEES_LYON_TICKET, live="ticket"),
    # Queued (NEW): in the queue of the expert covering its brick only.
    "myQueueEvents": Operation(Kind.SUBSCRIPTION, "subscription { myQueueEvents { ticketId change } }",
                               rule("hidden/hidden", {"expert": "ok/hidden"}), live="ticket",
                               ticket_state=TicketState.NEW),
    "notificationReceived": Operation(Kind.SUBSCRIPTION, "subscription { notificationReceived { kind } }",
                                      SEES_LYON_TICKET, live="notification"),
    # Lyon's tickets.
    "node": query("query($id: ID!) { node(id: $id) { id } }", SEES_LYON_TICKET, target=lambda w: w.ticket,
                  missing=gid("Ticket", 987654), variables=lambda w, t: {"id": t}),
    "ticket": query("query($id: ID!) { ticket(id: $id) { id } }", SEES_LYON_TICKET,
                    target=lambda w: w.ticket, missing=gid("Ticket", 987654),
                    variables=lambda w, t: {"id": t}),
    "ticketByRef": query("query($ref: String!) { ticketByRef(ref: $ref) { id } }", SEES_LYON_TICKET,
                         target=lambda w: w.ticket_ref, missing="GRP-1999-999999",
                         variables=lambda w, t: {"ref": t}),
    "tickets": query("{ tickets(first: 100) { edges { node { id } } } }", SEES_LYON_TICKET),
    # Queued on Scenari: the Lyon expert (designated on the brick) may take it; nobody else queues it.
    "myQueue": query("{ myQueue(first: 100) { edges { node { id } } } }",
                     rule("hidden/hidden", {"expert": "ok/hidden"}), ticket_state=_S.NEW),
    "catalogSyncRuns": query("{ catalogSyncRuns { ok } }", rule("hidden/hidden", {"group-admin": "ok/ok"})),
    "apiTokens": query("{ apiTokens { id } }", rule("hidden/hidden", {"group-admin": "ok/ok"})),
    # People: Lyon's agent is listed for the group's admins and Lyon's managers (every caller lists the
    # experts); read by id as any user of the agent's school or the group's staff may.
    "users": query("{ users(first: 100) { edges { node { id } } } }",
                   rule("hidden/hidden", {"group-admin": "ok/ok", "school-manager": "ok/hidden"})),
    "user": query("query($id: ID!) { user(id: $id) { id } }", SEES_LYON_TICKET, target=lambda w: w.person,
                  missing=gid("User", 987654), variables=lambda w, t: {"id": t}),
    # The audit trail: Lyon's API token was created; group admins and Lyon's managers read it.
    "auditEvents": query("{ auditEvents(first: 100) { edges { node { id } } } }",
                         rule("hidden/hidden", {"group-admin": "ok/ok", "school-manager": "ok/hidden"})),
    # User administration: group administrators only; a refusal comes before any lookup.
    "setUserRoles": mutation("setUserRoles", "SetUserRolesInput", ADMIN_ONLY,
                             variables=lambda w, t: {"input": {"userId": w.person, "roles": ["SCHOOL_MANAGER"]}}),
    "deactivateUser": mutation("deactivateUser", "ID", ADMIN_ONLY, variables=lambda w, t: {"id": w.person}),
    "reactivateUser": mutation("reactivateUser", "ID", ADMIN_ONLY, variables=lambda w, t: {"id": w.person}),
    "moveUser": mutation("moveUser", "MoveUserInput", ADMIN_ONLY,
                         variables=lambda w, t: {"input": {"userId": w.person, "tenantId": w.rennes}}),
    # The catalogue and its experts: group administrators only.
    "createBrick": mutation("createBrick", "CreateBrickInput", ADMIN_ONLY,
                            variables=lambda w, t: {"input": {"code": "matrix", "name": "Matrix"}}),
    "updateBrick": mutation("updateBrick", "UpdateBrickInput", ADMIN_ONLY,
                            variables=lambda w, t: {"input": {"id": w.brick, "name": "Renamed"}}),
    "deactivateBrick": mutation("deactivateBrick", "ID", ADMIN_ONLY, variables=lambda w, t: {"id": w.brick}),
    "createService": mutation("createService", "CreateServiceInput", ADMIN_ONLY,
                              variables=lambda w, t: {"input": {"brickId": w.brick, "name": "Matrix"}}),
    "updateService": mutation("updateService", "UpdateServiceInput", ADMIN_ONLY,
                              variables=lambda w, t: {"input": {"id": w.service, "description": "x"}}),
    "deactivateService": mutation("deactivateService", "ID", ADMIN_ONLY,
                                  variables=lambda w, t: {"id": w.service}),
    "createSubService": mutation("createSubService", "CreateSubServiceInput", ADMIN_ONLY,
                                 variables=lambda w, t: {"input": {"serviceId": w.service, "name": "M"}}),
    "updateSubService": mutation("updateSubService", "UpdateSubServiceInput", ADMIN_ONLY,
                                 variables=lambda w, t: {"input": {"id": w.sub_service, "description": "x"}}),
    "deactivateSubService": mutation("deactivateSubService", "ID", ADMIN_ONLY,
                                     variables=lambda w, t: {"id": w.sub_service}),
    "designateExpert": mutation("designateExpert", "DesignateExpertInput", ADMIN_ONLY,
                                variables=lambda w, t: {"input": {"userId": w.expert, "brickId": w.other_brick}}),
    "revokeExpert": mutation("revokeExpert", "ID", ADMIN_ONLY, variables=lambda w, t: {"id": w.designation}),
    # Service level targets bind the whole group's experts: group administrators only.
    "setServiceLevelTarget": mutation(
        "setServiceLevelTarget", "SetServiceLevelTargetInput", ADMIN_ONLY,
        variables=lambda w, t: {"input": {"subServiceId": w.sub_service, "priority": "HIGH",
                                          "takeMinutes": 60, "resolveMinutes": 480}}),
    # API tokens: group administrators only; a refusal comes before any lookup.
    "createApiToken": mutation("createApiToken", "CreateApiTokenInput", ADMIN_ONLY,
                               variables=lambda w, t: {"input": {"tenantId": w.lyon, "name": "matrix 2"}}),
    "revokeApiToken": mutation("revokeApiToken", "ID", ADMIN_ONLY, variables=lambda w, t: {"id": w.api_token}),
    # Opening: school support for its own school, the operations centre for any school.
    "openTicket": mutation("openTicket", "OpenTicketInput", rule("ok/denied", {
        "group-admin": "denied/denied", "operations": "ok/ok", "expert": "denied/denied"}),
        variables=lambda w, t: {"input": {"subServiceId": w.sub_service, "title": "New", "onBehalfOf": w.lyon,
                                          "requestData": ACCOUNT_REQUEST}}),
    # The lifecycle, as the workflow table says; the Lyon expert is the assignee once assigned.
    "takeTicket": mutation("takeTicket", "TicketChangeInput", ticket_rule("not allowed", {
        "group-admin": "not allowed/not allowed", "operations": "not allowed/not allowed",
        "expert": "ok/hidden"}), **_ticket_change(_S.NEW)),
    "assignTicket": mutation("assignTicket", "AssignTicketInput", ticket_rule("not allowed", {
        "group-admin": "ok/ok", "operations": "not allowed/not allowed"}),
        **_ticket_change_with(_S.ASSIGNED, lambda w: {"assigneeId": w.other_expert})),
    "startTicket": mutation("startTicket", "TicketChangeInput", ticket_rule("not allowed", {
        "group-admin": "not allowed/not allowed", "operations": "not allowed/not allowed",
        "expert": "ok/hidden"}), **_ticket_change(_S.ASSIGNED)),
    "holdTicket": mutation("holdTicket", "TicketReasonInput", ticket_rule("not allowed", {
        "group-admin": "not allowed/not allowed", "operations": "not allowed/not allowed",
        "expert": "ok/hidden"}), **_ticket_change(_S.IN_PROGRESS, reason="Which platform?")),
    "answerTicket": mutation("answerTicket", "AnswerTicketInput", ticket_rule("ok", _LYON_SUPPORT_AND_OPS),
                             **_ticket_change(_S.PENDING, message="Pedagogie")),
    "resumeTicket": mutation("resumeTicket", "TicketChangeInput", ticket_rule("ok", _LYON_SUPPORT_AND_OPS),
                             **_ticket_change(_S.PENDING)),
    "resolveTicket": mutation("resolveTicket", "ResolveTicketInput", ticket_rule("not allowed", {
        "group-admin": "ok/ok", "operations": "not allowed/not allowed", "expert": "ok/hidden"}),
        **_ticket_change(_S.IN_PROGRESS, solution="Created")),
    "reopenTicket": mutation("reopenTicket", "ReopenTicketInput", ticket_rule("ok", {
        "group-admin": "ok/ok", "operations": "ok/ok"}), **_ticket_change(_S.RESOLVED, reason="Still broken")),
    "closeTicket": mutation("closeTicket", "TicketChangeInput", ticket_rule("ok", {
        "group-admin": "ok/ok", "operations": "ok/ok", "expert": "not allowed/hidden"}),
        **_ticket_change(_S.RESOLVED)),
    "approveTicket": mutation("approveTicket", "ApproveTicketInput", ticket_rule("not allowed", {
        "group-admin": "ok/ok", "operations": "not allowed/not allowed", "school-manager": "ok/hidden"}),
        **{**_APPROVAL, "variables": lambda w, t: {"input": {"id": t, "version": 1}}}),
    "rejectTicket": mutation("rejectTicket", "TicketReasonInput", ticket_rule("not allowed", {
        "group-admin": "ok/ok", "operations": "not allowed/not allowed", "school-manager": "ok/hidden"}),
        **_APPROVAL),
    "setPriority": mutation("setPriority", "SetPriorityInput", ticket_rule("ok", {
        "group-admin": "ok/ok", "operations": "ok/ok"}), **_ticket_change(_S.IN_PROGRESS, priority="CRITICAL")),
    "escalateTicket": mutation("escalateTicket", "TicketReasonInput", ticket_rule("ok", {
        "group-admin": "ok/ok", "operations": "ok/ok", "expert": "denied/hidden"}),
        **_ticket_change(_S.IN_PROGRESS, reason="Exams tomorrow")),
    # The mirror: desk settings and mirror state for group administrators; a school's desk account
    # speaks for its own school's tickets only (a refusal comes before any lookup).
    "desks": query("{ desks { kind } }", rule("hidden/hidden", {"group-admin": "ok/ok"})),
    "mirrors": query("{ mirrors(first: 100) { edges { node { ticket { id } } } } }",
                     rule("hidden/hidden", {"group-admin": "ok/ok"})),
    "configureDesk": mutation("configureDesk", "ConfigureDeskInput", ADMIN_ONLY, variables=lambda w, t: {
        "input": {"tenantId": w.lyon, "desk": {"kind": "WEBHOOK", "url": "https://hooks.example.org",
                                               "credentials": {"secret_env": "MATRIX_SECRET"}}}}),
    # Reaches the school's desk with its secrets: group administrators only, whoever's school it is.
    "checkDesk": Operation(Kind.MUTATION, _desk_call("checkDesk(tenantId: $id)"), ADMIN_ONLY,
                           target=lambda w: w.lyon, missing=gid("Tenant", 987654),
                           variables=lambda w, t: {"id": t}),
    "retryMirror": Operation(Kind.MUTATION, _desk_call("retryMirror(ticketId: $id)"), ADMIN_ONLY,
                             target=lambda w: w.ticket, missing=gid("Ticket", 987654),
                             variables=lambda w, t: {"id": t}),
    "resyncMirror": Operation(Kind.MUTATION, _desk_call("resyncMirror(ticketId: $id)"), ADMIN_ONLY,
                              target=lambda w: w.ticket, missing=gid("Ticket", 987654),
                              variables=lambda w, t: {"id": t}),
    "linkLocalTicket": Operation(Kind.MUTATION, _desk_call('linkLocalTicket(ticketId: $id, localRef: "R-1")'),
                                 _DESK_ACCOUNT, target=lambda w: w.ticket, missing=gid("Ticket", 987654),
                                 variables=lambda w, t: {"id": t}),
    "addDeskComment": Operation(Kind.MUTATION, _desk_call('addDeskComment(ticketId: $id, message: "Seen")'),
                                _DESK_ACCOUNT, target=lambda w: w.ticket, missing=gid("Ticket", 987654),
                                variables=lambda w, t: {"id": t}),
    # Notifications: each caller's own only. The Lyon manager was told of the approval request;
    # nobody else reads it or marks it read (another user's id answers as a missing one).
    "notifications": query("{ notifications(first: 100) { unreadCount edges { node { id } } } }",
                           _OWN_NOTIFICATION),
    "notificationPreferences": query("{ notificationPreferences { digest } }", EVERYONE),
    "markNotificationsRead": mutation("markNotificationsRead", "MarkNotificationsReadInput", _OWN_NOTIFICATION,
                                      target=lambda w: w.notification, missing=gid("Notification", 987654),
                                      variables=lambda w, t: {"input": {"ids": [t]}}),
    "setNotificationPreferences": mutation("setNotificationPreferences", "SetNotificationPreferencesInput",
                                           EVERYONE, variables=lambda w, t: {"input": {"digest": "DAILY"}}),
    # Dashboard figures: group admins, school managers and experts (over the tickets they see).
    "stats": query('query { stats(period: {start: "2026-01-01T00:00:00Z", end: "2027-01-01T00:00:00Z"}) '
                   '{ __typename ... on Problem { message } ... on Stats { total { opened } } } }',
                   rule("denied/denied", {"group-admin": "ok/ok", "school-manager": "ok/ok", "expert": "ok/ok"})),
    # Fulfilment: the federation's list is everyone's; a report comes from Lyon's desk account (its
    # deployment tools) or a group admin, never from people of the school or another school's desk.
    "fulfilmentStatuses": query("{ fulfilmentStatuses { code error } }", EVERYONE),
    "setFulfilment": mutation("setFulfilment", "SetFulfilmentInput", rule("denied/denied", {
        "group-admin": "ok/ok", "desk-integration": "ok/hidden"}),
        ticket_state=_S.IN_PROGRESS, target=lambda w: w.ticket, missing=gid("Ticket", 987654),
        variables=lambda w, t: {"input": {"ticketId": t, "system": "SCCM", "status": "IN_PROGRESS"}}),
    "addComment": mutation("addComment", "AddCommentInput", ticket_rule("ok", {
        "group-admin": "ok/ok", "operations": "ok/ok"}), ticket_state=_S.IN_PROGRESS,
        target=lambda w: w.ticket, missing=gid("Ticket", 987654),
        variables=lambda w, t: {"input": {"ticketId": t, "body": "Any news?"}}),
}
