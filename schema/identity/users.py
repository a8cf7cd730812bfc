"""Finding and administering users: `users` and `user`, and the group administrators' mutations."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry import relay

from schema import pagination
from schema.context import Info
from schema.errors import NotFound, PermissionDenied, ValidationFailed, attempt_as
from schema.ids import node_id, require_id
from schema.identity.types import Role, User
from schema.pagination import PAGING, CountedConnection
from server.errors import NotFound as DomainNotFound
from server.identity import administration, queries
from server.identity.models import User as UserModel
from server.identity.user_lists import UserFilter as UserFilterValue
from server.identity.user_lists import users_page
from server.pagination import Page, PageArgs

UserPayload = Annotated[User | ValidationFailed | NotFound | PermissionDenied, strawberry.union("UserPayload")]


@strawberry.type(name="UserConnection", description="A page of users, oldest first.")
class UserConnection(CountedConnection[User]):
    pass


@strawberry.input(description="Every field given narrows the list.")
class UserFilter:
    tenant_id: relay.GlobalID | None = None
    role: Role | None = None
    active: bool | None = None
    text: str | None = strawberry.field(default=None, description="A part of the name, username or "
                                                                  "e-mail, ignoring case.")


@strawberry.input
class SetUserRolesInput:
    user_id: relay.GlobalID
    roles: list[Role] = strawberry.field(description="Exactly the roles the user will hold.")


@strawberry.input(description="Move a person to another school (or the group, or the operations centre).")
class MoveUserInput:
    user_id: relay.GlobalID
    tenant_id: relay.GlobalID


USER_FIELDS = {"user": "userId", "tenant": "tenantId"}


def _present(user: UserModel) -> User:
    return User.from_model(user)


@strawberry.type
class UserQuery:
    @strawberry.field(description="Users: group admins list everyone, a school's managers their school; "
                                  "every caller lists the experts. " + PAGING)
    async def users(self, info: Info, filter: UserFilter | None = None, first: int | None = None,
                    after: str | None = None, last: int | None = None,
                    before: str | None = None) -> UserConnection:
        ctx = info.context
        wanted = filter or UserFilter()
        try:
            tenant_id = node_id(wanted.tenant_id, "Tenant", "tenant", field="filter.tenantId")
        except DomainNotFound:
            tenant_id = -1  # names no tenant: an empty list, as for a tenant one may not see
        found = UserFilterValue(tenant_id=tenant_id, role=wanted.role, active=wanted.active, text=wanted.text)

        async def reader(page: PageArgs, max_page_size: int) -> Page[UserModel]:
            return await users_page(ctx.session, viewer=ctx.viewer, found=found, page=page,
                                    max_page_size=max_page_size)

        rows = await pagination.read(info, reader, first=first, after=after, last=last, before=before)
        return pagination.connection(UserConnection, rows, User.from_model)

    @strawberry.field(description="One user by id, when the caller may see them.")
    async def user(self, info: Info, id: relay.GlobalID) -> User | None:
        try:
            ident = require_id(id, "User", "user", field="id")
        except DomainNotFound:
            return None
        found = await queries.visible_users_by_ids(info.context.session, viewer=info.context.viewer,
                                                   ids=[ident])
        return User.from_model(found[ident]) if ident in found else None


@strawberry.type
class UserMutation:
    @strawberry.mutation(description="Group administrators: give a user exactly these roles, among those "
                                      "the user's tenant kind allows.")
    async def set_user_roles(self, info: Info, input: SetUserRolesInput) -> UserPayload:
        ctx = info.context
        return await _act(info, lambda: administration.set_roles(
            ctx.session, actor=ctx.viewer, user_id=require_id(input.user_id, "User", "user", field="userId"),
            roles=[r.value for r in input.roles]))

    @strawberry.mutation(description="Group administrators: deactivate a user; their open tickets go "
                                      "back to routing.")
    async def deactivate_user(self, info: Info, id: relay.GlobalID) -> UserPayload:
        ctx = info.context
        return await _act(info, lambda: administration.deactivate_user(
            ctx.session, actor=ctx.viewer, user_id=require_id(id, "User", "user", field="id")),
            fields={"user": "id"})

    @strawberry.mutation(description="Group administrators: let a deactivated user log in again.")
    async def reactivate_user(self, info: Info, id: relay.GlobalID) -> UserPayload:
        ctx = info.context
        return await _act(info, lambda: administration.reactivate_user(
            ctx.session, actor=ctx.viewer, user_id=require_id(id, "User", "user", field="id")),
            fields={"user": "id"})

    @strawberry.mutation(description="Group administrators: move a person to another tenant (roles "
                                      "that tenant's kind does not give are dropped).")
    async def move_user(self, info: Info, input: MoveUserInput) -> UserPayload:
        ctx = info.context
        return await _act(info, lambda: administration.move_user(
            ctx.session, actor=ctx.viewer, user_id=require_id(input.user_id, "User", "user", field="userId"),
            tenant_id=require_id(input.tenant_id, "Tenant", "tenant", field="tenantId")))


async def _act(info: Info, action: Any, fields: dict[str, str] | None = None) -> Any:
    return await attempt_as(info.context.session, _present, action, fields=fields or USER_FIELDS)
