"""The scim2-server storage over groupdesk's database, for one request of one tenant's provider."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any, cast

from scim2_models import (
    InvalidValueException,
    NotFoundException,
    Resource,
    ResourceType,
    ResponseParameters,
    SCIMException,
    SearchRequest,
    UniquenessException,
)
from scim2_server.storage import AsyncScimStorage, SearchPage
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from server.errors import Conflict, GroupdeskError, NotFound, ValidationFailed
from server.identity.models import User
from server.scim import audit, groups, users
from server.scim.models import UserGroup
from server.scim.rendering import group_resources, user_resources
from server.scim.resources import GROUP_TYPE, USER_TYPE, EnterpriseUser
from server.scim.resources import Group as GroupResource
from server.scim.resources import User as UserResource
from server.scim.search import GROUP_COLUMNS, USER_COLUMNS, search, search_all
from tenants.context import Provisioner


def scim_error(exc: GroupdeskError) -> SCIMException:
    """The SCIM error of a domain failure: 404, 409 uniqueness, 400 invalidValue."""
    if isinstance(exc, NotFound):
        return NotFoundException(detail=f"{exc.kind} {exc.ident!r} not found")
    if isinstance(exc, Conflict):
        return UniquenessException(detail=exc.message)
    if isinstance(exc, ValidationFailed):
        return InvalidValueException(detail="; ".join(f"{e.field}: {e.message}" for e in exc.errors))
    return InvalidValueException(detail=exc.message)


class SqlScimStorage(AsyncScimStorage):
    """Users and groups of the provider's own tenant; the request boundary commits."""

    def __init__(self, session: AsyncSession, actor: Provisioner, *, group_prefix: str) -> None:
        self.session = session
        self.actor = actor
        self.group_prefix = group_prefix

    @asynccontextmanager
    async def operation(self) -> AsyncIterator[None]:
        # Domain failures become SCIM errors here, once, for every storage method.
        try:
            yield
        except GroupdeskError as exc:
            raise scim_error(exc) from exc
        except IntegrityError as exc:
            # A concurrent request took the same userName between our check and our write.
            raise UniquenessException(detail="a unique value was just taken by another request; "
                                             "retry") from exc

    async def get(self, resource_type: ResourceType, resource_id: str, *,
                  response_parameters: ResponseParameters[Any] | None = None) -> Resource[Any]:
        if _is_user(resource_type):
            user = await users.find_user(self.session, actor=self.actor, user_id=resource_id)
            return (await user_resources(self.session, [user]))[0]
        group = await groups.find_group(self.session, actor=self.actor, group_id=resource_id)
        return (await group_resources(self.session, [group]))[0]

    async def search(self, resource_types: list[ResourceType], search_request: SearchRequest[Any], *,
                     position: Any = None) -> SearchPage:
        if len(resource_types) != 1:
            return await search_all(self.session, search_request=search_request, sources=[
                (users.visible_users(self.actor), User.id, self._render_users),
                (groups.visible_groups(self.actor), UserGroup.id, self._render_groups),
            ])
        if _is_user(resource_types[0]):
            return await search(self.session, visible=users.visible_users(self.actor), key=User.id,
                                columns=USER_COLUMNS, search_request=search_request,
                                render=self._render_users)
        with_members = not _excludes_members(search_request)
        return await search(self.session, visible=groups.visible_groups(self.actor), key=UserGroup.id,
                            columns=GROUP_COLUMNS, search_request=search_request,
                            render=lambda rows: group_resources(self.session, rows,
                                                                with_members=with_members))

    async def _render_users(self, rows: Sequence[Any]) -> list[Resource[Any]]:
        return await user_resources(self.session, rows)

    async def _render_groups(self, rows: Sequence[Any]) -> list[Resource[Any]]:
        return await group_resources(self.session, rows)

    async def create(self, resource_type: ResourceType, resource: Resource[Any]) -> Resource[Any]:
        if _is_user(resource_type):
            user = await users.create_user(self.session, actor=self.actor, resource=_user(resource))
            await audit.user_written(self.session, self.actor, "created", user, {})
            return (await user_resources(self.session, [user]))[0]
        group = await groups.create_group(self.session, actor=self.actor, resource=_group(resource),
                                          prefix=self.group_prefix)
        rendered = (await group_resources(self.session, [group]))[0]
        await audit.group_written(self.session, self.actor, "created", group.id, group.display_name,
                                  {"count": len(getattr(rendered, "members", None) or [])})
        return rendered

    async def update(self, resource_type: ResourceType, resource: Resource[Any], *,
                     expected_version: str | None = None) -> Resource[Any]:
        # The handler read the resource in this same transaction: its version is the stored one.
        assert resource.id is not None
        if _is_user(resource_type):
            before = audit.user_state(await users.find_user(self.session, actor=self.actor,
                                                            user_id=resource.id))
            user = await users.update_user(self.session, actor=self.actor, user_id=resource.id,
                                           resource=_user(resource))
            await audit.user_written(self.session, self.actor, "updated", user, before)
            return (await user_resources(self.session, [user]))[0]
        group = await groups.update_group(self.session, actor=self.actor, group_id=resource.id,
                                          resource=_group(resource), prefix=self.group_prefix)
        rendered = (await group_resources(self.session, [group]))[0]
        await audit.group_written(self.session, self.actor, "updated", group.id, group.display_name,
                                  {"count": len(getattr(rendered, "members", None) or [])})
        return rendered

    async def delete(self, resource_type: ResourceType, resource_id: str, *,
                     expected_version: str | None = None) -> None:
        if _is_user(resource_type):
            user = await users.find_user(self.session, actor=self.actor, user_id=resource_id)
            before = audit.user_state(user)
            await users.delete_user(self.session, actor=self.actor, user_id=resource_id,
                                    prefix=self.group_prefix)
            await audit.user_written(self.session, self.actor, "deleted", user, before)
        else:
            group = await groups.find_group(self.session, actor=self.actor, group_id=resource_id)
            name = group.display_name
            await groups.delete_group(self.session, actor=self.actor, group_id=resource_id,
                                      prefix=self.group_prefix)
            await audit.group_written(self.session, self.actor, "deleted", resource_id, name)


# The provider validates a request into the model of its resource type; the storage interface only
# says Resource.
def _user(resource: Resource[Any]) -> UserResource[EnterpriseUser]:
    return cast("UserResource[EnterpriseUser]", resource)


def _group(resource: Resource[Any]) -> GroupResource:
    return cast("GroupResource", resource)


def _is_user(resource_type: ResourceType) -> bool:
    if resource_type.id == USER_TYPE.id:
        return True
    assert resource_type.id == GROUP_TYPE.id, f"unknown resource type {resource_type.id}"
    return False


def _excludes_members(search_request: SearchRequest[Any]) -> bool:
    """Entra ID looks groups up by name with excludedAttributes=members: skip loading them."""
    excluded = {str(p).casefold().rsplit(":", 1)[-1] for p in search_request.excluded_attributes or ()}
    return "members" in excluded and search_request.filter is not None and "members" not in str(
        search_request.filter).casefold()
