"""Every mapped model, imported once so that the metadata is complete (Alembic, tests)."""

from server.catalog.models import Brick, ExpertDesignation, Service, SubService
from server.db import Base
from server.identity.models import ApiToken, Tenant, User
from server.scim.models import UserGroup, UserGroupMember

__all__ = ["ApiToken", "Base", "Brick", "ExpertDesignation", "Service", "SubService", "Tenant", "User",
           "UserGroup", "UserGroupMember"]
