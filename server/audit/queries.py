"""Reading the audit trail: group administrators all of it, a school's managers their school's.

tenants.policy.audit_scope decides; this module applies it in SQL, with the filters, newest first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, ClassVar

from sqlalchemy import ColumnElement, UnaryExpression, false
from sqlalchemy.ext.asyncio import AsyncSession

from server import pagination
from server.audit.models import AuditEvent
from server.cursors import Key
from server.pagination import Page, PageArgs
from tenants import policy
from tenants.context import Principal


@dataclass(frozen=True, slots=True)
class NewestFirst:
    """The latest change first: the id alone orders the trail (rows are only ever appended)."""

    list_name: str = "auditEvents"
    name: ClassVar[str] = "NEWEST"
    key_type: ClassVar[type] = int

    def key_of(self, row: Any) -> Key:
        return int(row.id)

    def sort(self, *, reverse: bool = False) -> list[UnaryExpression[Any]]:
        return [AuditEvent.id.asc() if reverse else AuditEvent.id.desc()]

    def beyond(self, key: Key, ident: int, *, reverse: bool = False,
               inclusive: bool = False) -> ColumnElement[bool]:
        if reverse:
            return AuditEvent.id >= ident if inclusive else AuditEvent.id > ident
        return AuditEvent.id <= ident if inclusive else AuditEvent.id < ident


@dataclass(frozen=True, slots=True)
class AuditFilter:
    tenant_id: int | None = None
    # An action (`user.moved`) or a family of them (`scim.`, `catalog.`): a prefix.
    action: str | None = None
    actor_id: int | None = None
    target_kind: str | None = None
    since: dt.datetime | None = None


def readable(viewer: Principal) -> ColumnElement[bool]:
    scope = policy.audit_scope(viewer)
    if scope is None:
        return false()
    if scope.all:
        return AuditEvent.id.is_not(None)
    return AuditEvent.tenant_id.in_(sorted(scope.tenant_ids))


async def audit_page(session: AsyncSession, *, viewer: Principal, found: AuditFilter, page: PageArgs,
                     max_page_size: int) -> Page[AuditEvent]:
    """A keyset page of the audit rows the viewer may read that match the filter, newest first."""
    where: list[ColumnElement[bool]] = [readable(viewer)]
    if found.tenant_id is not None:
        where.append(AuditEvent.tenant_id == found.tenant_id)
    if found.action:
        where.append(AuditEvent.action.startswith(found.action.strip(), autoescape=True))
    if found.actor_id is not None:
        where.append(AuditEvent.actor_id == found.actor_id)
    if found.target_kind:
        where.append(AuditEvent.target_kind == found.target_kind.strip())
    if found.since is not None:
        where.append(AuditEvent.created_at >= found.since)
    result: Page[AuditEvent] = await pagination.read_page(session, AuditEvent, where, order=NewestFirst(),
                                                          page=page, max_page_size=max_page_size)
    return result
