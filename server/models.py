"""Every mapped model, imported once so that the metadata is complete (Alembic, tests)."""

from server.audit.models import AuditEvent
from server.catalog.models import Brick, Service, SubService
from server.db import Base
from server.identity.models import ApiToken, ExpertDesignation, Tenant, User
from server.mirror.models import DeskSetting, InboundEvent, Mirror, OutboxEvent
from server.notify.models import MailOutbox, Notification, NotificationPreference
from server.reports.models import stats_day, stats_day_histogram, stats_dirty_day, stats_rollup_state
from server.scim.models import UserGroup, UserGroupMember
from server.sla.models import CalendarSetting, SchoolCalendar, ServiceLevelTarget, TicketEscalation
from server.tickets.idempotency import IdempotencyKey
from server.tickets.models import Ticket, TicketApproval, TicketComment, TicketCounter, TicketEvent

__all__ = [
    "ApiToken", "AuditEvent", "Base", "Brick", "CalendarSetting", "DeskSetting", "ExpertDesignation", "IdempotencyKey",
    "InboundEvent", "MailOutbox", "Mirror", "Notification", "NotificationPreference", "SchoolCalendar",
    "ServiceLevelTarget", "TicketEscalation",
    "OutboxEvent", "Service", "SubService", "Tenant", "Ticket", "TicketComment", "TicketCounter",
    "TicketApproval", "TicketEvent", "User", "UserGroup", "UserGroupMember",
    "stats_day", "stats_day_histogram", "stats_dirty_day", "stats_rollup_state",
]
