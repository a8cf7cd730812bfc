"""The GraphQL layer: thin types, inputs, resolvers and the view. Only the app assembly imports it."""

from __future__ import annotations

from pathlib import Path

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    MaskErrors,
    MaxAliasesLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig

from schema.extensions import TransactionScope
from schema.mutations.catalog import CatalogDeactivation, CatalogMutation
from schema.queries import CatalogQuery

SDL_PATH = Path(__file__).with_name("schema.graphql")


@strawberry.type
class Query(CatalogQuery):
    pass


@strawberry.type
class Mutation(CatalogMutation, CatalogDeactivation):
    pass


def _expected(error: GraphQLError) -> bool:
    """Errors a client caused (auth, validation) are shown; anything else is masked."""
    original = error.original_error
    return original is None or isinstance(original, GraphQLError)


def build_schema(*, production: bool = False, max_depth: int = 12) -> strawberry.Schema:
    extensions: list = [
        TransactionScope,
        # Bounded: the default caches grow with every distinct query a client sends.
        ParserCache(maxsize=512),
        ValidationCache(maxsize=512),
        QueryDepthLimiter(max_depth=max_depth),
        MaxAliasesLimiter(max_alias_count=30),
    ]
    if production:
        extensions.append(MaskErrors(should_mask_error=lambda e: not _expected(e)))
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        extensions=extensions,
        config=StrawberryConfig(auto_camel_case=True),
    )


def export_sdl() -> str:
    return build_schema().as_str() + "\n"
