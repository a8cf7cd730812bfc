"""Reading and marking a person's in-app notifications: their own only, applied in the SQL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from sqlalchemy import ColumnElement, UnaryExpression, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server import pagination
from server.cursors import Key
from server.db import utcnow
from server.errors import NotFound, ValidationFailed
from server.notify.models import Notification
from server.pagination import Page, PageArgs
from tenants import policy
from tenants.context import Principal
from tenants.i18n.messages import Message


@dataclass(frozen=True, slots=True)
class NewestFirst:
    """Notifications come newest first: the id, descending."""

    list_name: str = "notifications"
    name: ClassVar[str] = "ID_DESC"
    key_type: ClassVar[type] = int

    def key_of(self, row: Any) -> Key:
        return int(row.id)

    def sort(self, *, reverse: bool = False) -> list[UnaryExpression[Any]]:
        return [Notification.id.asc() if reverse else Notification.id.desc()]

    def beyond(self, key: Key, ident: int, *, reverse: bool = False,
               inclusive: bool = False) -> ColumnElement[bool]:
        column = Notification.id
        if reverse:
            return column >= ident if inclusive else column > ident
        return column <= ident if inclusive else column < ident


ORDER = NewestFirst()


def _own(viewer: Principal) -> ColumnElement[bool]:
    return Notification.user_id == policy.notification_owner(viewer)


async def notifications_page(session: AsyncSession, *, viewer: Principal, unread_only: bool,
                             page: PageArgs, max_page_size: int) -> Page[Notification]:
    """A keyset page of the caller's notifications, newest first."""
    where = [_own(viewer)]
    if unread_only:
        where.append(Notification.read_at.is_(None))
    found: Page[Notification] = await pagination.read_page(
        session, Notification, where, order=ORDER, page=page, max_page_size=max_page_size)
    return found


async def unread_count(session: AsyncSession, *, viewer: Principal) -> int:
    return await session.scalar(select(func.count()).select_from(Notification).where(
        _own(viewer), Notification.read_at.is_(None))) or 0


async def notifications_by_ids(session: AsyncSession, *, viewer: Principal | None,
                               ids: Sequence[int]) -> dict[int, Notification]:
    """Node look-up: the caller's own notifications among `ids`."""
    if viewer is None:
        return {}
    rows = await session.scalars(select(Notification).where(Notification.id.in_(ids), _own(viewer)))
    return {r.id: r for r in rows}


async def mark_read(session: AsyncSession, *, actor: Principal, ids: Sequence[int] | None,
                    everything: bool) -> int:
    """Mark the caller's notifications read: these ids (all theirs, or nothing changes) or all."""
    if everything == (ids is not None):
        raise ValidationFailed({"ids": Message("give the ids to mark, or all: true (not both)")})
    stmt = update(Notification).where(_own(actor), Notification.read_at.is_(None))
    if ids is not None:
        wanted = sorted(set(ids))
        mine = set(await session.scalars(select(Notification.id).where(
            Notification.id.in_(wanted), _own(actor))))
        if len(mine) != len(wanted):
            raise NotFound("notification", ", ".join(str(i) for i in wanted if i not in mine),
                           field="ids")
        stmt = stmt.where(Notification.id.in_(wanted))
    result = await session.execute(stmt.values(read_at=utcnow())
                                   .execution_options(synchronize_session=False))
    return int(result.rowcount)  # type: ignore[attr-defined]
