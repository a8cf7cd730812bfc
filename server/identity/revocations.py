"""Commits that revoke credentials announce it to the open sockets of this process (after commit).

Whatever path commits the change (the revokeApiToken mutation, SCIM `active: false` or DELETE, a
federation file deactivating a user or a tenant, an administrator's change), the ORM sees the rows
change: an API token getting `revoked_at`, a user or tenant becoming inactive, a user changing
tenant. The ids are collected at flush and announced only once the transaction commits, so a
rolled-back change closes nothing. Changes committed by another process are caught by the
sockets' periodic re-check (server/identity/open_sockets.py).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, UOWTransaction

from server.identity.models import ApiToken, ExpertDesignation, Tenant, User
from server.identity.open_sockets import OPEN_SOCKETS
from server.identity.principal_cache import forget_everyone

_PENDING = "groupdesk.revoked_credentials"
_RESHAPED = "groupdesk.principals_reshaped"
# What a cached principal holds of its user and tenant (server/identity/principals.py).
_USER_HOLDS = ("role_names", "language", "technical", "active", "tenant_id")
_TENANT_HOLDS = ("language", "kind", "active", "slug")


def _changed(obj: Any, name: str) -> bool:
    return bool(inspect(obj).attrs[name].history.has_changes())


def revoked_keys(session: Session) -> set[tuple[str, int]]:
    """The (kind, id) of credentials this flush revokes or deactivates."""
    keys: set[tuple[str, int]] = set()
    for obj in session.dirty:
        if isinstance(obj, ApiToken) and obj.revoked_at is not None and _changed(obj, "revoked_at"):
            keys.add(("token", obj.id))
        elif isinstance(obj, User) and ((not obj.active and _changed(obj, "active"))
                                        or _changed(obj, "tenant_id")):
            keys.add(("user", obj.id))
        elif isinstance(obj, Tenant) and not obj.active and _changed(obj, "active"):
            keys.add(("tenant", obj.id))
    for obj in session.deleted:
        if isinstance(obj, ApiToken | User | Tenant):
            kind = {ApiToken: "token", User: "user", Tenant: "tenant"}[type(obj)]
            keys.add((kind, obj.id))
    return keys


def reshapes_principals(session: Session) -> bool:
    """Whether this flush changes what an authenticated caller is: roles, language, designations."""
    for obj in session.dirty:
        if isinstance(obj, User) and any(_changed(obj, name) for name in _USER_HOLDS):
            return True
        if isinstance(obj, Tenant) and any(_changed(obj, name) for name in _TENANT_HOLDS):
            return True
        if isinstance(obj, ExpertDesignation):
            return True
    return any(isinstance(obj, ExpertDesignation) for obj in (*session.new, *session.deleted))


@event.listens_for(Session, "after_flush")
def _collect(session: Session, flush_context: UOWTransaction) -> None:
    keys = revoked_keys(session)
    if keys:
        session.info.setdefault(_PENDING, set()).update(keys)
    if reshapes_principals(session):
        session.info[_RESHAPED] = True


@event.listens_for(Session, "after_commit")
def _announce(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a savepoint released (SQLAlchemy signals it as a commit): the change is not committed yet
    keys = session.info.pop(_PENDING, None)
    if keys or session.info.pop(_RESHAPED, False):
        # A cached principal would go on acting with the roles, language or designations it had.
        forget_everyone()
    if keys:
        OPEN_SOCKETS.announce(keys)


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous_transaction: Any) -> None:
    if not session.in_transaction():
        session.info.pop(_PENDING, None)
        session.info.pop(_RESHAPED, None)
