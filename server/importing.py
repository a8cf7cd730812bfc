"""Importing a federation file: idempotent upserts, nothing deleted, all or nothing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.catalog.models import Brick, Priority, Service, SubService
from server.db import Base
from server.errors import ValidationFailed
from server.identity.linking import is_placeholder_issuer
from server.identity.models import ExpertDesignation, Tenant, User
from server.mirror.desks import check_spec, desk_of, store_desk
from server.sla.federation import import_calendar, import_targets
from tenants.context import TenantKind
from tenants.federation import Federation
from tenants.federation.specs import LOCAL_ISSUER, TargetSpec


@dataclass
class ImportReport:
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    # Entries in the database that the file no longer lists: kept, reported, never deleted.
    not_in_file: list[str] = field(default_factory=list)
    # What the file asked for but the import left alone, and why.
    notes: list[str] = field(default_factory=list)
    # What the import did but an operator should fix (e.g. a brick nobody can be routed to).
    warnings: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(sum(self.created.values()) or sum(self.updated.values()))

    def summary(self) -> str:
        kinds = sorted(set(self.created) | set(self.updated) | set(self.unchanged))
        parts = [f"{k}: {self.created[k]} created, {self.updated[k]} updated, "
                 f"{self.unchanged[k]} unchanged" for k in kinds]
        if self.not_in_file:
            parts.append("kept although not in the file: " + ", ".join(self.not_in_file))
        parts += self.notes
        parts += [f"warning: {w}" for w in self.warnings]
        return "\n".join(parts)


# Told (section, done, total) as the import goes: sections are tenants, users, catalogue, designations.
Progress = Callable[[str, int, int], None]


def _silent(section: str, done: int, total: int) -> None:
    return None


async def _warn_bricks_without_experts(session: AsyncSession, report: ImportReport) -> None:
    """A brick nobody is designated on (at any level) leaves its tickets unassigned: say so."""
    covered = set(await session.scalars(select(ExpertDesignation.brick_id).distinct()))
    for brick in await session.scalars(select(Brick).where(Brick.active.is_(True)).order_by(Brick.code)):
        if brick.id not in covered:
            report.warnings.append(f"brick {brick.code} has no expert: its tickets will wait unassigned "
                                   "(add one under `experts:`)")


def _apply(report: ImportReport, kind: str, obj: Any, values: dict[str, Any]) -> None:
    """Set only what differs, so that a second import touches no row (and no updated_at)."""
    changed = {k: v for k, v in values.items() if getattr(obj, k) != v}
    for key, value in changed.items():
        setattr(obj, key, value)
    (report.updated if changed else report.unchanged)[kind] += 1


_Row = TypeVar("_Row", bound=Base)


async def _upsert(session: AsyncSession, report: ImportReport, kind: str, existing: _Row | None,
                  model: type[_Row], values: dict[str, Any]) -> _Row:
    if existing is None:
        obj = model(**values)
        session.add(obj)
        report.created[kind] += 1
        await session.flush()
        return obj
    _apply(report, kind, existing, values)
    return existing


async def _import_desks(session: AsyncSession, report: ImportReport, federation: Federation,
                        tenants: dict[str, Tenant]) -> None:
    """Each school's desk; one left out of the file is kept (and listed), like everything else."""
    for index, spec in enumerate(federation.tenants):
        if spec.desk is None:
            if await desk_of(session, tenants[spec.slug].id) is not None:
                report.not_in_file.append(f"desk of {spec.slug}")
            continue
        if spec.kind is not TenantKind.SCHOOL:
            raise ValidationFailed({f"tenants[{index}].desk": "only schools have a local desk"})
        desk = check_spec(spec.desk, field_prefix=f"tenants[{index}].desk.")
        _, outcome = await store_desk(session, tenants[spec.slug], desk)
        getattr(report, outcome)["desks"] += 1


async def _import_service_levels(session: AsyncSession, report: ImportReport,
                                 federation: Federation, tenants: dict[str, Tenant],
                                 targets: list[tuple[int, tuple[TargetSpec, ...]]]) -> None:
    """The business calendar and the targets (server.sla.federation)."""
    counts = await import_targets(session, federation.default_targets, targets)
    if federation.calendar is not None:
        counts += await import_calendar(session, federation.calendar,
                                        {slug: t.id for slug, t in tenants.items()})
    for (kind, outcome), n in counts.items():
        getattr(report, outcome)[kind] += n


async def import_federation(session: AsyncSession, federation: Federation,
                            progress: Progress = _silent) -> ImportReport:
    report = ImportReport()
    tenants = {t.slug: t for t in await session.scalars(select(Tenant))}
    for index, member in enumerate(federation.tenants, 1):
        tenants[member.slug] = await _upsert(session, report, "tenants", tenants.get(member.slug), Tenant,
                                             dict(slug=member.slug, name=member.name, kind=member.kind,
                                                  active=member.active, language=member.language))
        progress("tenants", index, len(federation.tenants))
    listed = {t.slug for t in federation.tenants}
    report.not_in_file += [f"tenant {s}" for s in sorted(tenants) if s not in listed]
    await _import_desks(session, report, federation, tenants)

    users = {u.username: u for u in await session.scalars(select(User))}
    for index, spec in enumerate(federation.users, 1):
        if index % 50 == 0 or index == len(federation.users):
            progress("users", index, len(federation.users))
        existing = users.get(spec.username)
        values = dict(username=spec.username, tenant_id=tenants[spec.tenant].id, issuer=spec.issuer,
                      subject=spec.subject or spec.username, email=spec.email,
                      display_name=spec.display_name, role_names=sorted(r.value for r in spec.roles),
                      active=spec.active, language=spec.language, technical=spec.technical,
                      roles_administered=True)
        if existing is not None and spec.issuer == LOCAL_ISSUER and not is_placeholder_issuer(existing.issuer):
            # The person's first SSO login claimed the account (server.identity.linking): the file,
            # which names no identity, must not undo it.
            values.pop("issuer")
            values.pop("subject")
        if existing is not None and existing.scim_managed:
            # The school's SCIM feed owns this person's roles and profile now; the file does not.
            for name in ("role_names", "email", "display_name", "issuer", "subject", "active"):
                values.pop(name, None)
            report.notes.append(f"user {spec.username} is managed by SCIM: only its tenant was applied")
        users[spec.username] = await _upsert(session, report, "users", existing, User, values)

    scopes: dict[tuple[str, str | None, str | None], tuple[int, int | None, int | None]] = {}
    bricks = {b.code: b for b in await session.scalars(select(Brick))}
    services = {(s.brick_id, s.name.lower()): s for s in await session.scalars(select(Service))}
    subs = {(s.service_id, s.name.lower()): s for s in await session.scalars(select(SubService))}
    targets: list[tuple[int, tuple[TargetSpec, ...]]] = []
    for index, b in enumerate(federation.bricks, 1):
        progress("catalogue", index - 1, len(federation.bricks))
        brick = await _upsert(session, report, "bricks", bricks.get(b.code), Brick,
                              dict(code=b.code, name=b.name, description=b.description,
                                   active=b.active))
        scopes[(b.code, None, None)] = (brick.id, None, None)
        for s in b.services:
            service = await _upsert(session, report, "services",
                                    services.get((brick.id, s.name.lower())), Service,
                                    dict(brick_id=brick.id, name=s.name,
                                         description=s.description, active=s.active))
            scopes[(b.code, s.name.lower(), None)] = (brick.id, service.id, None)
            for ss in s.sub_services:
                sub = await _upsert(session, report, "sub-services",
                                    subs.get((service.id, ss.name.lower())), SubService,
                                    dict(service_id=service.id, name=ss.name,
                                         description=ss.description, form=dict(ss.form),
                                         requires_approval=ss.requires_approval,
                                         default_priority=Priority(ss.default_priority),
                                         active=ss.active))
                scopes[(b.code, s.name.lower(), ss.name.lower())] = (brick.id, service.id, sub.id)
                targets.append((sub.id, ss.targets))

    progress("catalogue", len(federation.bricks), len(federation.bricks))
    await _import_service_levels(session, report, federation, tenants, targets)
    designated = {(d.user_id, d.scope) for d in await session.scalars(select(ExpertDesignation))}
    for index, d in enumerate(federation.designations, 1):
        progress("designations", index, len(federation.designations))
        key = (d.brick, d.service.lower() if d.service else None,
               d.sub_service.lower() if d.sub_service else None)
        ids = scopes[key]
        user_id = users[d.username].id
        scope = ExpertDesignation.scope_of(*ids)
        if (user_id, scope) in designated:
            report.unchanged["experts"] += 1
            continue
        session.add(ExpertDesignation(user_id=user_id, brick_id=ids[0], service_id=ids[1],
                                      sub_service_id=ids[2], scope=scope))
        designated.add((user_id, scope))
        report.created["experts"] += 1
    await session.flush()
    await _warn_bricks_without_experts(session, report)
    return report
