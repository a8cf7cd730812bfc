"""`groupdesk api-token create|list|revoke`: API tokens managed by the operator at the command line."""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server import migrations
from server.config import Settings
from server.db import create_engine, session_factory, writer_session
from server.errors import GroupdeskError
from server.identity import api_tokens
from server.identity.models import Tenant, User
from tenants.context import OPERATOR


async def run_api_token(settings: Settings, args: argparse.Namespace) -> int:
    engine = create_engine(settings.database_url)
    try:
        current, head = await migrations.current_revision(engine), migrations.head_revision()
        if current != head:
            print(f"groupdesk: the database is at {current}, head is {head}: run `groupdesk migrate`",
                  file=sys.stderr)
            return 2
        async with writer_session(session_factory(engine)) as session:
            return await _ACTIONS[args.action](session, args)
    except GroupdeskError as exc:
        print(f"groupdesk: {exc.message}", file=sys.stderr)
        return 2
    finally:
        await engine.dispose()


async def _tenant(session: AsyncSession, slug: str) -> Tenant:
    tenant = await session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        known = ", ".join(await session.scalars(select(Tenant.slug).order_by(Tenant.slug)))
        raise GroupdeskError(f"no tenant {slug!r} (known: {known or 'none, run `groupdesk load`'})")
    return tenant


async def _create(session: AsyncSession, args: argparse.Namespace) -> int:
    tenant = await _tenant(session, args.tenant)
    token, raw = await api_tokens.create_api_token(session, actor=OPERATOR, tenant_id=tenant.id,
                                                   name=args.name, purpose=args.purpose)
    user = await session.get(User, token.user_id)
    assert user is not None
    # The secret alone on stdout, so that `TOKEN=$(groupdesk api-token create ...)` works.
    print(raw)
    print(f"groupdesk: API token {token.id} ({token.prefix}...) for {tenant.slug} acts as {user.username}; "
          "it is shown once, store it now", file=sys.stderr)
    return 0


def _when(value: dt.datetime | None) -> str:
    return value.strftime("%Y-%m-%dT%H:%MZ") if value else "-"


async def _list(session: AsyncSession, args: argparse.Namespace) -> int:
    tenant_id = (await _tenant(session, args.tenant)).id if args.tenant else None
    tokens = await api_tokens.list_api_tokens(session, actor=OPERATOR, tenant_id=tenant_id)
    tenants = {t.id: t.slug for t in await session.scalars(select(Tenant))}
    users = {u.id: u.username for u in await session.scalars(
        select(User).where(User.id.in_({t.user_id for t in tokens})))}
    rows = [("ID", "TENANT", "PURPOSE", "PREFIX", "ACTS AS", "CREATED", "LAST USED", "REVOKED", "NAME")]
    rows += [(str(t.id), tenants[t.tenant_id], t.purpose.value, t.prefix + "...", users[t.user_id],
              _when(t.created_at), _when(t.last_used_at), _when(t.revoked_at), t.name) for t in tokens]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[-1])
    return 0


async def _revoke(session: AsyncSession, args: argparse.Namespace) -> int:
    token = await api_tokens.revoke_api_token(session, actor=OPERATOR, token_id=args.id)
    print(f"API token {token.id} ({token.prefix}...) revoked at {_when(token.revoked_at)}")
    return 0


_ACTIONS = {"create": _create, "list": _list, "revoke": _revoke}
