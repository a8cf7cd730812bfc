"""The floor of `python -m bench compare`: the same page of tickets from one SQL statement.

A bare Starlette app on asyncpg that answers the benchmark's list (50 newest tickets with brick,
service, sub-service, school, opener and assignee) with one 7-table join, a prepared statement
(asyncpg caches it; with no parameter, its generic plan is the custom one), and orjson writing the response in the
shape groupdesk's GraphQL answer has. No authentication, no visibility, no GraphQL: what serving
this page costs at the least.

    python -m bench.floor_app DATABASE_DSN PORT
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

PAGE_SQL = """
SELECT t.id, t.ref, t.title, t.state, t.priority, t.created_at,
       b.code AS brick_code, b.name AS brick_name, s.name AS service_name,
       ss.name AS sub_service_name, sc.slug AS school_slug, sc.name AS school_name,
       o.username AS opener_username, o.display_name AS opener_name,
       a.username AS assignee_username, a.display_name AS assignee_name
FROM ticket t
JOIN brick b ON b.id = t.brick_id
JOIN service s ON s.id = t.service_id
JOIN sub_service ss ON ss.id = t.sub_service_id
JOIN tenant sc ON sc.id = t.tenant_id
JOIN user_account o ON o.id = t.opened_by_id
LEFT JOIN user_account a ON a.id = t.assignee_id
ORDER BY t.created_at DESC, t.id DESC
LIMIT 50"""


def _node(row: Any) -> dict[str, Any]:
    assignee = ({"username": row["assignee_username"], "displayName": row["assignee_name"]}
                if row["assignee_username"] is not None else None)
    return {"id": row["id"], "ref": row["ref"], "title": row["title"], "state": row["state"],
            "priority": row["priority"], "createdAt": row["created_at"],
            "brick": {"code": row["brick_code"], "name": row["brick_name"]},
            "service": {"name": row["service_name"]},
            "subService": {"name": row["sub_service_name"]},
            "school": {"slug": row["school_slug"], "name": row["school_name"]},
            "openedBy": {"username": row["opener_username"], "displayName": row["opener_name"]},
            "assignee": assignee}


def create_app(dsn: str) -> Starlette:
    pool: dict[str, asyncpg.Pool] = {}

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        pool["db"] = await asyncpg.create_pool(dsn, min_size=4, max_size=10)
        try:
            yield
        finally:
            await pool["db"].close()

    async def page(request: Request) -> Response:
        async with pool["db"].acquire() as conn:
            rows = await conn.fetch(PAGE_SQL)
        body = {"data": {"tickets": {"edges": [{"node": _node(r)} for r in rows]}}}
        return Response(orjson.dumps(body), media_type="application/json")

    return Starlette(routes=[Route("/graphql", page, methods=["GET", "POST"])], lifespan=lifespan)


def main(argv: list[str]) -> None:
    dsn, port = argv[0], int(argv[1])
    uvicorn.run(create_app(dsn), host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main(sys.argv[1:])
