"""Every mapped model, imported once so that the metadata is complete (Alembic, tests)."""

from server.audit.models import AuditEvent
from server.catalog.models import Brick, Service, SubService
from server.db import Base
from server.identity.models import ApiToken, ExpertDesignation, Tenant, User
from server.mirror.models import DeskSetting, InboundEvent, Mirror, OutboxEvent
from server.scim.models import UserGroup, UserGroupMember
from server.tickets.idempotency import IdempotencyKey
from server.tickets.models import Ticket, TicketApproval, TicketComment, TicketCounter, TicketEvent

__all__ = [
    "ApiToken", "AuditEvent", "Base", "Brick", "DeskSetting", "ExpertDesignation", "IdempotencyKey", "InboundEvent",
    "Mirror",
    "OutboxEvent", "Service", "SubService", "Tenant", "Ticket", "TicketComment", "TicketCounter",
    "TicketApproval", "TicketEvent", "User", "UserGroup", "UserGroupMember",
]
