"""The language a person reads: `setMyLanguage`, and `viewer.language` for the current request."""

from __future__ import annotations

from typing import Annotated

import strawberry

from schema.context import Info
from schema.errors import PermissionDenied, ValidationFailed, attempt
from schema.identity.types import Tenant, User, Viewer, roles_of
from server.identity import languages, queries

SetMyLanguagePayload = Annotated[Viewer | ValidationFailed | PermissionDenied,
                                 strawberry.union("SetMyLanguagePayload")]


@strawberry.type
class LanguageMutation:
    @strawberry.mutation(description="Choose the language you read (`fr` or `en`), or null to read your "
                                      "school's. An Accept-Language header still wins for its request.")
    async def set_my_language(self, info: Info, language: str | None) -> SetMyLanguagePayload:
        ctx = info.context

        async def act() -> Viewer:
            user = await languages.choose_language(ctx.session, actor=ctx.viewer, language=language)
            found = await queries.viewer_account(ctx.session, viewer=ctx.viewer)
            assert found is not None  # the caller was just allowed to act
            return Viewer(user=User.from_model(user), tenant=Tenant.from_model(found[1]),
                          roles=roles_of(ctx.viewer.roles), language=ctx.language)

        return await attempt(ctx.session, act)  # type: ignore[no-any-return]
