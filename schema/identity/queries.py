"""Root query fields of identity: the viewer and the federation's members."""

from __future__ import annotations

import strawberry

from schema.context import Info
from schema.errors import Unauthenticated
from schema.identity.types import Tenant, User, Viewer, roles_of
from server.identity import queries


@strawberry.type
class IdentityQuery:
    @strawberry.field(description="The calling user, their tenant and roles.")
    async def viewer(self, info: Info) -> Viewer:
        p = info.context.viewer
        found = await queries.viewer_account(info.context.session, viewer=p)
        if found is None:
            raise Unauthenticated()
        user, tenant = found
        return Viewer(user=User.from_model(user), tenant=Tenant.from_model(tenant),
                      roles=roles_of(p.roles), language=info.context.language)

    @strawberry.field(description="The federation's members.")
    async def tenants(self, info: Info) -> list[Tenant]:
        rows = await queries.visible_tenants(info.context.session, viewer=info.context.viewer)
        return [Tenant.from_model(r) for r in rows]
