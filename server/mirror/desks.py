"""Each school's desk: configuring it (file or API), resolving its secrets, checking it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.audit.record import record
from server.errors import ConfigurationError, NotFound, PermissionDenied, ValidationFailed
from server.identity.models import Tenant
from server.mirror.installation import installation_identity
from server.mirror.models import DeskSetting
from tenants import policy
from tenants.context import Principal, TenantKind
from tenants.desks import CheckOutcome, CheckResult, DeskConfig, build_connector
from tenants.desks.settings import (
    CredentialMissing,
    DeskSpec,
    DeskSpecInvalid,
    parse_desk,
    refs_from_data,
    resolve,
)
from tenants.i18n.messages import Message


def spec_of(setting: DeskSetting) -> DeskSpec:
    """The stored setting as a spec (references only)."""
    return DeskSpec(setting.kind, setting.url, refs_from_data(setting.credential_refs or {}),
                    dict(setting.mappings or {}), setting.timeout)


def check_spec(raw: Mapping[str, Any], *, field_prefix: str = "") -> DeskSpec:
    """Parse a raw desk entry; problems become a ValidationFailed naming each field."""
    try:
        return parse_desk(raw)
    except DeskSpecInvalid as exc:
        raise ValidationFailed({f"{field_prefix}{k}": v for k, v in exc.errors.items()}) from None


async def desk_of(session: AsyncSession, tenant_id: int) -> DeskSetting | None:
    return await session.scalar(select(DeskSetting).where(DeskSetting.tenant_id == tenant_id))


async def store_desk(session: AsyncSession, tenant: Tenant,
                     spec: DeskSpec | None) -> tuple[DeskSetting | None, str]:
    """Create, update or remove a school's desk; says which (created, updated, unchanged, removed)."""
    current = await desk_of(session, tenant.id)
    if spec is None:
        if current is None:
            return None, "unchanged"
        await session.delete(current)
        await session.flush()
        return None, "removed"
    values = dict(kind=spec.kind, url=spec.url, credential_refs=spec.refs_as_data(),
                  mappings=dict(spec.mappings), timeout=spec.timeout)
    if current is None:
        current = DeskSetting(tenant_id=tenant.id, **values)
        session.add(current)
        await session.flush()
        return current, "created"
    changed = {k: v for k, v in values.items() if getattr(current, k) != v}
    for key, value in changed.items():
        setattr(current, key, value)
    await session.flush()
    return current, "updated" if changed else "unchanged"


async def _school(session: AsyncSession, tenant_id: int) -> Tenant:
    """The school whose desk is meant (`tenantId`): it must exist and be a school."""
    tenant = await session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound("tenant", tenant_id)
    if tenant.kind is not TenantKind.SCHOOL:
        raise ValidationFailed({"tenantId": Message("{slug} is not a school: only schools have desks",
                                                     slug=tenant.slug)})
    return tenant


async def configure_desk(session: AsyncSession, *, actor: Principal, tenant_id: int,
                         desk: Mapping[str, Any] | None) -> tuple[Tenant, DeskSetting | None]:
    """Group admins set (or, with None, remove) a school's desk; secrets only by reference."""
    if not policy.may_configure_desks(actor):
        raise PermissionDenied(Message("only group administrators configure the schools' desks"))
    tenant = await _school(session, tenant_id)
    spec = None if desk is None else check_spec(desk)
    setting, outcome = await store_desk(session, tenant, spec)
    if outcome != "unchanged":
        # Secrets are references (environment variable names): the trail may name them.
        await record(session, actor=actor, action=f"desk.{outcome}", target_kind="desk",
                     target_id=tenant.slug, tenant_id=tenant.id,
                     changes={} if spec is None else {"kind": spec.kind, "url": spec.url,
                                                      "credentials": spec.refs_as_data()})
    return tenant, setting


async def connector_config(session: AsyncSession, tenant_id: int,
                           installation: str | None = None) -> DeskConfig:
    """The school's desk with its secrets read now and this installation's identity (the
    setting's `installation` override, else the database's); ConfigurationError says what is missing."""
    setting = await desk_of(session, tenant_id)
    if setting is None:
        tenant = await session.get(Tenant, tenant_id)
        raise ConfigurationError(f"{tenant.slug if tenant else tenant_id} has no desk configured")
    identity = await installation_identity(session, installation)
    try:
        return replace(resolve(spec_of(setting)), installation=identity)
    except CredentialMissing as exc:
        raise ConfigurationError(f"{setting.kind.value} desk credentials: {exc}") from None


# What each outcome means for the admin who checked, in their language (the detail is the desk's).
CHECK_SUMMARIES: Mapping[CheckOutcome, Message] = {
    CheckOutcome.OK: Message("the desk answers, accepts our account and every mapping resolves"),
    CheckOutcome.NOT_CONFIGURED: Message("the desk is not fully configured here, so nothing was sent "
                                         "to it: complete its settings or its secrets"),
    CheckOutcome.UNREACHABLE: Message("the desk is unreachable: it did not answer, or answered with a "
                                      "temporary failure; deliveries wait and are retried"),
    CheckOutcome.REFUSED: Message("the desk answered but refused us: check its credentials and its URL"),
    CheckOutcome.PROBLEMS: Message("the desk accepts our account, but some mappings or rights are "
                                   "wrong: see the details"),
}


async def check_tenant_desk(session: AsyncSession, tenant: Tenant,
                            installation: str | None = None) -> CheckResult:
    """Reach the school's desk with its credentials and say what is wrong, if anything."""
    try:
        config = await connector_config(session, tenant.id, installation)
    except ConfigurationError as exc:
        return CheckResult(CheckOutcome.NOT_CONFIGURED, exc.message)
    try:
        connector = build_connector(config)
    except Exception as exc:  # a connector refusing its mappings says why in its message
        return CheckResult(CheckOutcome.NOT_CONFIGURED, getattr(exc, "message", str(exc)))
    try:
        return await connector.check()
    finally:
        await connector.aclose()


async def check_desk(session: AsyncSession, slug: str, installation: str | None = None) -> CheckResult:
    """`groupdesk check-desk SCHOOL`: the school named by its slug."""
    tenant = await session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        return CheckResult(CheckOutcome.NOT_CONFIGURED, f"no tenant {slug!r} (see `groupdesk load`)")
    return await check_tenant_desk(session, tenant, installation)


async def check_school_desk(session: AsyncSession, *, actor: Principal,
                            tenant_id: int) -> tuple[Tenant, DeskSetting | None, CheckResult]:
    """Group admins check a school's desk from the console; the check and its outcome are audited
    (the trail names the outcome and the desk's own words, which never hold a secret's value)."""
    if not policy.may_check_desks(actor):
        raise PermissionDenied(Message("only group administrators check the schools' desks"))
    tenant = await _school(session, tenant_id)
    setting = await desk_of(session, tenant.id)
    result = await check_tenant_desk(session, tenant)
    await record(session, actor=actor, action="desk.checked", target_kind="desk",
                 target_id=tenant.slug, tenant_id=tenant.id,
                 changes={"outcome": result.outcome.value, "detail": result.detail,
                          **({"kind": setting.kind.value, "url": setting.url} if setting else {})})
    return tenant, setting, result
