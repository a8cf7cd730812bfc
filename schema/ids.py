"""Decoding Relay global ids given as arguments."""

from __future__ import annotations

from strawberry import relay

from server.errors import NotFound

# Ids are PostgreSQL INTEGERs: a larger number names nothing, and asyncpg would refuse to send it.
DATABASE_ID_MAX = 2**31 - 1


def database_id(node_id: str) -> int | None:
    """The row id a global id's node part names, or None when it cannot name a row."""
    if not (node_id.isascii() and node_id.isdigit()):
        return None
    value = int(node_id)
    return value if 0 < value <= DATABASE_ID_MAX else None


def node_id(gid: relay.GlobalID | None, type_name: str, kind: str | None = None, *,
            field: str | None = None) -> int | None:
    """The database id inside a global id of the expected type.

    A foreign, garbled or out-of-range id is NotFound, the same answer as a missing one, naming
    `field` (the argument) rather than echoing what was sent.
    """
    if gid is None:
        return None
    value = database_id(gid.node_id) if gid.type_name == type_name else None
    if value is None:
        raise NotFound(kind or type_name, str(gid), field=field)
    return value


def require_id(gid: relay.GlobalID, type_name: str, kind: str | None = None, *,
               field: str | None = None) -> int:
    value = node_id(gid, type_name, kind, field=field)
    assert value is not None
    return value
