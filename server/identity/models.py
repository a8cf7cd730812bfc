"""Tenants (the federation's members), their users, API tokens, and where experts are designated."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, Enum, ForeignKey, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db import Base, JSONType, Timestamps, UTCDateTime, utcnow
from tenants.context import Role, TenantKind


class Tenant(Timestamps, Base):
    __tablename__ = "tenant"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[TenantKind] = mapped_column(
        Enum(TenantKind, native_enum=False, length=16, create_constraint=False)
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The language of what groupdesk writes into the school's desk (tenants/i18n).
    language: Mapped[str] = mapped_column(String(8), default="fr", server_default="fr")


class User(Timestamps, Base):
    __tablename__ = "user_account"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    # Identity at the provider: (issuer, subject) is how a login finds its user.
    issuer: Mapped[str] = mapped_column(String(300))
    subject: Mapped[str] = mapped_column(String(255))
    username: Mapped[str] = mapped_column(String(150), unique=True)
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role_names: Mapped[list[str]] = mapped_column("roles", JSONType, default=list)
    # Roles set in groupdesk (the federation file, a group administrator): an SSO token's roles no
    # longer change them. False for users created by their first login, whose tokens bring the roles.
    roles_administered: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # A desk integration or provisioning client rather than a person (never approves, never SSO-logs in
    # through a browser); set for Keycloak service accounts and API-token accounts.
    technical: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Provisioning by SCIM (server/scim): the identity provider's id for the person, the parts of
    # the name and the enterprise attributes it sends, and whether its groups decide the roles.
    external_id: Mapped[str | None] = mapped_column(String(255), index=True)
    given_name: Mapped[str | None] = mapped_column(String(150))
    family_name: Mapped[str | None] = mapped_column(String(150))
    # The e-mail addresses as sent (type, primary); `email` above is the one groupdesk writes to.
    scim_emails: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONType)
    # Attributes the provider left unassigned that groupdesk fills with a default of its own
    # (displayName, active): SCIM reads them back as unassigned.
    scim_unassigned: Mapped[list[str] | None] = mapped_column(JSONType)
    department: Mapped[str | None] = mapped_column(String(200))
    employee_number: Mapped[str | None] = mapped_column(String(64))
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    scim_managed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Deleted by SCIM: kept (tickets still name the person) but gone from SCIM and unable to log in.
    scim_deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    # The language the person reads (mails, messages through the API); None follows the school's.
    language: Mapped[str | None] = mapped_column(String(8))

    tenant: Mapped[Tenant] = relationship(lazy="raise")

    @property
    def roles(self) -> frozenset[Role]:
        return known_roles(self.role_names)


def known_roles(names: list[str]) -> frozenset[Role]:
    """The roles among stored role names (a user row's `roles` column): unknown names are ignored."""
    return frozenset(Role(r) for r in names if r in Role._value2member_map_)


class ApiTokenPurpose(StrEnum):
    """What an API token may be used for: a local desk's calls, or SCIM provisioning."""

    DESK = "DESK"
    SCIM = "SCIM"


class ApiToken(Base):
    """A long-lived secret acting as one technical user; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    # The technical account the token acts as.
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    purpose: Mapped[ApiTokenPurpose] = mapped_column(
        Enum(ApiTokenPurpose, native_enum=False, length=8, create_constraint=False)
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the secret, so an operator can tell tokens apart in a listing.
    prefix: Mapped[str] = mapped_column(String(16))
    # None when an operator created it with the `groupdesk api-token` command.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


class ExpertDesignation(Base):
    """A user designated as expert on a brick, a service or a sub-service (most specific wins).

    Identity owns the rows because a caller's designations are part of who they are (the policy reads
    them from the Principal); the catalogue designates and revokes (server/catalog/experts.py) and
    names its bricks, services and sub-services by table only, so identity imports no catalogue.
    """

    __tablename__ = "expert_designation"
    __table_args__ = (UniqueConstraint("user_id", "scope"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    # The brick is always set so that "experts of this brick" is one indexed lookup.
    brick_id: Mapped[int] = mapped_column(ForeignKey("brick.id"), index=True)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("service.id"), index=True)
    sub_service_id: Mapped[int | None] = mapped_column(ForeignKey("sub_service.id"), index=True)
    # "brick:1", "service:4", "sub_service:9": unique per user, NULL-free unlike the three ids.
    scope: Mapped[str] = mapped_column(String(40))
    # Made by a SCIM expert-pool group (server/scim): leaving the group removes it, and only it.
    provisioned: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    @staticmethod
    def scope_of(brick_id: int, service_id: int | None, sub_service_id: int | None) -> str:
        if sub_service_id is not None:
            return f"sub_service:{sub_service_id}"
        if service_id is not None:
            return f"service:{service_id}"
        return f"brick:{brick_id}"
