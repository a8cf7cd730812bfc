"""Typed errors returned in mutation payload unions, and the mapping from domain exceptions."""

from __future__ import annotations

import logging
from enum import Enum
from collections.abc import Awaitable, Callable
from typing import Any

import strawberry
from graphql import GraphQLError

from schema.tickets.enums import TicketAction, TicketState
from server import errors as domain
from server.logs import note_outcome
from server.tickets import workflow
from tenants.i18n.messages import Message, render

log = logging.getLogger("groupdesk.graphql")


class Unauthenticated(GraphQLError):
    def __init__(self, message: str | None = None):
        super().__init__(message or Message("authentication required: send Authorization: Bearer <token>"),
                         extensions={"code": "UNAUTHENTICATED"})


class BadInput(GraphQLError):
    """A query argument that cannot be used (queries have no payload union to carry it)."""

    def __init__(self, exc: domain.GroupdeskError) -> None:
        extensions: dict[str, object] = {"code": "BAD_USER_INPUT"}
        message = exc.message
        if isinstance(exc, domain.ValidationFailed):
            message = exc.public_message()
            extensions["fields"] = [{"field": e.field, "message": e.message} for e in exc.errors]
        elif isinstance(exc, domain.NotFound):
            message = exc.public_message()
            if exc.field:
                extensions["fields"] = [{"field": exc.field, "message": message}]
        super().__init__(message, extensions=extensions)


@strawberry.interface(description="An expected failure of a mutation.")
class Problem:
    message: str


@strawberry.type(description="The object does not exist or is not visible to the caller.")
class NotFound(Problem):
    pass


@strawberry.type(description="The caller is authenticated but may not do this.")
class PermissionDenied(Problem):
    pass


@strawberry.type(description="One invalid input field.")
class FieldProblem:
    field: str
    message: str


@strawberry.type(description="The input is invalid; nothing was changed.")
class ValidationFailed(Problem):
    fields: list[FieldProblem]


@strawberry.type(description="A stale version or a duplicate; nothing was changed.")
class Conflict(Problem):
    current_version: int | None = None


@strawberry.enum(description="What forbids an action: the ticket's state (nobody may, now) or the "
                             "caller's role (someone else may).")
class RefusalReason(Enum):
    STATE = "STATE"
    ROLE = "ROLE"


@strawberry.type(description="This action is not allowed now; `allowedActions` lists what is.")
class ActionNotAllowed(Problem):
    action: str = strawberry.field(description="What was refused: a workflow action or ANSWER, COMMENT, "
                                               "SET_PRIORITY, ESCALATE.")
    state: TicketState
    allowed_actions: list[TicketAction]
    reason: RefusalReason = strawberry.field(description="Whether the ticket's state or the caller's "
                                                         "role forbids it.")


def to_problem(exc: domain.GroupdeskError, fields: dict[str, str] | None = None) -> Problem:
    """The typed error of a domain failure, in the reader's language; `fields` names the argument of a
    missing kind. Field names, actions and states stay as they are."""
    if isinstance(exc, domain.NotFound):
        return NotFound(message=render(exc.public_message((fields or {}).get(exc.kind))))
    if isinstance(exc, domain.PermissionDenied):
        return PermissionDenied(message=render(exc.message))
    if isinstance(exc, domain.ValidationFailed):
        return ValidationFailed(message=render(exc.public_message()), fields=[
            FieldProblem(field=e.field, message=render(e.message)) for e in exc.errors])
    if isinstance(exc, domain.Conflict):
        return Conflict(message=render(exc.message), current_version=exc.current_version)
    if isinstance(exc, domain.ActionNotAllowed):
        return ActionNotAllowed(message=render(exc.message), action=exc.action,
                                state=workflow.TicketState(exc.state),
                                allowed_actions=[workflow.Action(a) for a in exc.allowed],
                                reason=RefusalReason(exc.reason))
    raise exc


async def attempt_as(session: Any, present: Callable[[Any], Any],
                     action: Callable[[], Awaitable[Any]], *,
                     fields: dict[str, str] | None = None) -> Any:
    """`attempt` for a service call whose model result is presented as a GraphQL type."""
    async def act() -> Any:
        return present(await action())
    return await attempt(session, act, fields=fields)


async def attempt(session: Any, action: Callable[[], Awaitable[Any]], *,
                  fields: dict[str, str] | None = None) -> Any:
    """Run one mutation's action in a savepoint: a typed failure changes nothing.

    `fields` maps a kind the service may not find ("ticket") to the argument that named it.
    """
    try:
        async with session.begin_nested():
            return await action()
    except domain.GroupdeskError as exc:
        problem = to_problem(exc, fields)
        # A refusal is the API working as designed: an INFO line, never an error.
        log.info("refused: %s", exc.message, extra={"fields": {"problem": type(problem).__name__}})
        note_outcome(f"refused:{type(problem).__name__}")
        return problem
