"""Decoding Relay global ids given as arguments."""

from __future__ import annotations

from strawberry import relay

from server.errors import NotFound


def node_id(gid: relay.GlobalID | None, type_name: str, kind: str | None = None) -> int | None:
    """The database id inside a global id of the expected type; a foreign or garbled id is NotFound."""
    if gid is None:
        return None
    if gid.type_name != type_name or not gid.node_id.isdigit():
        raise NotFound(kind or type_name, str(gid))
    return int(gid.node_id)


def require_id(gid: relay.GlobalID, type_name: str, kind: str | None = None) -> int:
    value = node_id(gid, type_name, kind)
    assert value is not None
    return value
