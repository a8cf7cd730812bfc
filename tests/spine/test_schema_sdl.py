"""The committed SDL is the API contract clients build against: it must match the code."""

import schema


def test_committed_schema_matches_the_code() -> None:
    committed = schema.SDL_PATH.read_text(encoding="utf-8")
    assert committed == schema.export_sdl(), (
        "schema/schema.graphql is stale: run `make schema` and commit the result")
