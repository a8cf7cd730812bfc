"""The domain's exceptions. Services raise them; the GraphQL layer maps them to typed payload errors.

    GroupdeskError
     ├── NotFound            the thing does not exist, or the caller may not know it does
     ├── PermissionDenied    the caller is known but may not do this
     ├── ValidationFailed    bad input; carries one message per field
     ├── Conflict            a stale version or a duplicate
     ├── ActionNotAllowed    a ticket action not allowed in this state or for this caller
     └── ConfigurationError  settings or a federation file that cannot be used

A message people read is a `tenants.i18n.messages.Message` (the English text, its catalogue id and
parameters); `message` stays English for logs and the CLI, and the GraphQL boundary renders it in the
reader's language. Field names, codes and kinds are never translated.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from tenants.i18n.messages import Message

# What a missing thing is called in `NotFound.public_message`, in the reader's words.
KIND_NAMES = {
    "sub-service": Message("sub-service"), "service": Message("service"), "brick": Message("brick"),
    "user": Message("user"), "User": Message("user"), "designation": Message("designation"),
    "ExpertDesignation": Message("designation"), "SubService": Message("sub-service"),
    "tenant": Message("tenant"), "school": Message("school"), "API token": Message("API token"),
    "Group": Message("group"), "mirror of ticket": Message("mirror of ticket"),
    "ticket": Message("ticket"), "Ticket": Message("ticket"),
}


class GroupdeskError(Exception):
    """Base of every expected failure."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(GroupdeskError):
    """`message` names the id (for the CLI and logs); `public_message` never does.

    An API caller sees which argument named nothing, not the id it sent back nor an internal number.
    """

    def __init__(self, kind: str, ident: object, *, field: str | None = None) -> None:
        super().__init__(f"{kind} {ident} not found")
        self.kind = kind
        self.ident = ident
        self.field = field

    def public_message(self, field: str | None = None) -> Message:
        """`subServiceId: no such sub-service, or not visible to you`."""
        named = self.field or field
        kind = KIND_NAMES.get(self.kind, self.kind)
        if named:
            return Message("{field}: no such {kind}, or not visible to you", field=named, kind=kind)
        return Message("no such {kind}, or not visible to you", kind=kind)


class PermissionDenied(GroupdeskError):
    pass


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str
    message: str  # a Message wherever people read it


class ValidationFailed(GroupdeskError):
    def __init__(self, errors: Iterable[FieldError] | Mapping[str, str]) -> None:
        if isinstance(errors, Mapping):
            errors = [FieldError(k, v) for k, v in errors.items()]
        self.errors = list(errors)
        summary = "; ".join(f"{e.field}: {e.message}" for e in self.errors)
        super().__init__(f"invalid input: {summary}")

    def public_message(self) -> Message:
        """The summary, each field's message in the reader's language."""
        parts = [Message("{field}: {problem}", field=e.field, problem=e.message) for e in self.errors]
        return Message("invalid input: {summary}", summary=_Joined(parts))


class Conflict(GroupdeskError):
    def __init__(self, message: str, *, current_version: int | None = None) -> None:
        super().__init__(message)
        self.current_version = current_version


class ActionNotAllowed(GroupdeskError):
    """`reason` says what forbids it: the ticket's STATE (nobody may, now) or the caller's ROLE
    (someone else may: `who` names them)."""

    STATE = "STATE"
    ROLE = "ROLE"

    def __init__(self, action: str, state: str, allowed: Iterable[str], *, asked: str = "",
                 why: str = "", reason: str = STATE, who: str = "") -> None:
        self.action = action
        self.state = state
        self.allowed = sorted(allowed)
        self.reason = reason
        now = ", ".join(self.allowed) or "none"
        # `asked` is what the caller asked for when it differs from the workflow action (answerTicket
        # resumes the work); `why` says what it needs, when the name alone would not tell.
        if reason == self.ROLE:
            super().__init__(Message("{action} on a ticket in state {state} is for {who}, not for your "
                                     "role{why}; allowed now: {now}", action=asked or action, state=state,
                                     who=who or Message("others"), why=why, now=now))
        else:
            super().__init__(Message("{action} is not allowed on a ticket in state {state}{why}; "
                                     "allowed now: {now}", action=asked or action, state=state, why=why,
                                     now=now))


class ConfigurationError(GroupdeskError):
    pass


class _Joined(Message):
    """Messages joined by "; ", each rendered in the reader's language."""

    def __new__(cls, parts: list[Message]) -> _Joined:
        self = str.__new__(cls, "; ".join(parts))
        self.msgid, self.params, self.parts = "; ".join(parts), {}, parts
        return self

    parts: list[Message]

    def in_language(self, language: str) -> str:
        return "; ".join(part.in_language(language) for part in self.parts)
