"""What one transaction already read of service levels: each school's calendar, each target.

An opening and its routing are two history events of one change: the SLA follower reads the
targets and the calendar once, before the ref counter is taken (`read_for_opening`, one statement),
and every later event of the transaction finds them here. The memory lives in `session.info` and
is forgotten at the transaction's real end (commit or rollback; SQLAlchemy also tells after_commit
of a savepoint's release, which is not one) and whenever this process stores a calendar or targets.
"""

from __future__ import annotations

from sqlalchemy import and_, bindparam, event, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from server.catalog.models import Priority
from server.identity.models import Tenant
from server.sla.calendar import BusinessCalendar
from server.sla.calendars import CALENDAR_ID, calendar_from, calendar_of
from server.sla.models import CalendarSetting, SchoolCalendar, ServiceLevelTarget
from server.sla.targets import NO_TARGETS, REMEMBERED_KEY, Targets, targets_for

_CALENDARS_KEY = "groupdesk.sla.calendars"
# The ticket the SLA follower refreshed last, with what it read (server.sla.follow).
REFRESHED_KEY = "groupdesk.sla.refreshed"
_TARGETS_KEY = REMEMBERED_KEY


def _calendars(session: AsyncSession | Session) -> dict[int, BusinessCalendar]:
    found: dict[int, BusinessCalendar] = session.info.setdefault(_CALENDARS_KEY, {})
    return found


def _targets(session: AsyncSession | Session) -> dict[tuple[int, Priority], Targets]:
    found: dict[tuple[int, Priority], Targets] = session.info.setdefault(_TARGETS_KEY, {})
    return found


async def calendar(session: AsyncSession, tenant_id: int) -> BusinessCalendar:
    """The school's calendar, read once per transaction."""
    known = _calendars(session)
    if tenant_id not in known:
        known[tenant_id] = await calendar_of(session, tenant_id)
    return known[tenant_id]


async def targets(session: AsyncSession, sub_service_id: int, priority: Priority) -> Targets:
    """What the sub-service promises at this priority, read once per transaction."""
    known = _targets(session)
    if (sub_service_id, priority) not in known:
        known[sub_service_id, priority] = await targets_for(session, sub_service_id, priority)
    return known[sub_service_id, priority]


# Built once, bound at each opening.
_FOR_OPENING = (
    select(ServiceLevelTarget, CalendarSetting, SchoolCalendar).select_from(Tenant)
    .outerjoin(ServiceLevelTarget, and_(ServiceLevelTarget.sub_service_id == bindparam("sub_service_id"),
                                        ServiceLevelTarget.priority == bindparam("priority")))
    .outerjoin(CalendarSetting, CalendarSetting.id == CALENDAR_ID)
    .outerjoin(SchoolCalendar, SchoolCalendar.tenant_id == Tenant.id)
    .where(Tenant.id == bindparam("tenant_id")))


async def read_for_opening(session: AsyncSession, tenant_id: int, sub_service_id: int,
                           priority: Priority) -> tuple[Targets, BusinessCalendar]:
    """The targets and the school's calendar a new ticket starts with, in one statement."""
    row = (await session.execute(_FOR_OPENING, {"tenant_id": tenant_id, "sub_service_id": sub_service_id,
                                                "priority": priority})).first()
    if row is None:  # no such school: the opening fails on its own checks, nothing to remember
        return NO_TARGETS, await calendar_of(session, tenant_id)
    target, base, school = row
    found = NO_TARGETS if target is None else Targets(target.take_seconds, target.resolve_seconds)
    _targets(session)[sub_service_id, priority] = found
    _calendars(session)[tenant_id] = calendar_from(base, school)
    return found, _calendars(session)[tenant_id]


def forget(session: AsyncSession | Session) -> None:
    """Drop what was remembered (the transaction ended, or a calendar or target was stored)."""
    session.info.pop(_CALENDARS_KEY, None)
    session.info.pop(_TARGETS_KEY, None)
    session.info.pop(REFRESHED_KEY, None)


@event.listens_for(Session, "after_commit")
def _forget_at_commit(session: Session) -> None:
    if not session.in_nested_transaction():
        forget(session)


@event.listens_for(Session, "after_rollback")
def _forget_at_rollback(session: Session) -> None:
    forget(session)
