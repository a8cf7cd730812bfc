"""The GraphQL layer: thin types, inputs, resolvers and the view. Only the app assembly imports it."""

from __future__ import annotations

import functools
from pathlib import Path

import strawberry
from strawberry import relay
from graphql import GraphQLError
from strawberry.extensions import MaskErrors, ValidationCache
from strawberry.schema.config import StrawberryConfig

from schema.argument_checks import ArgumentChecks
from schema.extensions import RequireAuthentication, TransactionScope, WebSocketOperationScope
from schema.languages import ReadingLanguage
from schema.limits import CostReport, GuardedSchema
from schema.mirror.queries import MirrorQuery
from schema.identity.api_tokens import ApiTokenMutation, ApiTokenQuery
from schema.identity.languages import LanguageMutation
from schema.identity.queries import IdentityQuery
from schema.identity.users import UserMutation, UserQuery
from schema.audit.queries import AuditQuery
from schema.catalog.mutations import CatalogDeactivation, CatalogMutation
from schema.mirror.desk import DeskMutation
from schema.mirror.mutations import MirrorMutation
from schema.notify.mutations import NotificationMutation
from schema.notify.queries import NotificationQuery
from schema.tickets.mutations import TicketMutation
from schema.sla.mutations import ServiceLevelMutation
from schema.catalog.queries import CatalogQuery
from schema.reporting import ReportingSchema
from schema.subscriptions import Subscription
from schema.tickets.lists import TicketListQuery
from schema.tickets.queries import TicketQuery

SDL_PATH = Path(__file__).with_name("schema.graphql")


@strawberry.type
class Mutation(CatalogMutation, CatalogDeactivation, ApiTokenMutation, TicketMutation,
               MirrorMutation, DeskMutation, NotificationMutation, ServiceLevelMutation, UserMutation,
               LanguageMutation):
    pass


def _expected(error: GraphQLError) -> bool:
    """Errors a client caused (auth, validation) are shown; anything else is masked."""
    original = error.original_error
    return original is None or isinstance(original, GraphQLError)


class GroupdeskSchema(GuardedSchema, ReportingSchema):
    """Documents checked before they run (schema.limits); errors sorted for the logs (schema.reporting)."""


@functools.cache
def build_schema(*, production: bool = False) -> strawberry.Schema:
    """Built once per configuration: strawberry binds field extensions to the type classes."""
    # Factories, not instances: each request gets fresh extension state (the caches are shared).
    # Parsing and the document limits are GuardedSchema's (schema.limits), read from the settings.
    extensions: list = [
        WebSocketOperationScope,
        ReadingLanguage,
        RequireAuthentication,
        ArgumentChecks,
        TransactionScope,
        lambda: ValidationCache(maxsize=512),
        CostReport,
    ]
    if production:
        extensions.append(lambda: MaskErrors(should_mask_error=lambda e: not _expected(e)))
    # A fresh root type per schema: strawberry binds the `node` field's resolver when it builds.
    @strawberry.type(name="Query")
    class Query(IdentityQuery, CatalogQuery, ApiTokenQuery, TicketQuery, TicketListQuery, MirrorQuery,
                NotificationQuery, UserQuery, AuditQuery):
        node: relay.Node | None = relay.node(description="Any object by its global id.")

    return GroupdeskSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        config=StrawberryConfig(auto_camel_case=True),
    )


def export_sdl() -> str:
    return build_schema().as_str() + "\n"
