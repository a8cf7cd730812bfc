"""What travels on the live bus: small JSON messages naming what changed, never the text itself.

A ticket message carries, for one ticket and one commit, the history events recorded (id, kind,
visibility) and the ticket's facts before and after the commit: what the access policy needs to
decide, per subscriber and without a query, who may hear of it. Text (comments, reasons) stays in
the database and is read by the subscribers allowed to see it. PostgreSQL limits a NOTIFY payload
to 8000 bytes: messages are small, and a commit's batch is split into chunks below that.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass, field
from typing import Any

from tenants.context import TicketFacts, TicketPlace

# A NOTIFY payload must stay under 8000 bytes; leave room for the envelope.
CHUNK_BYTES = 7000


@dataclass(frozen=True, slots=True)
class LiveTicketFacts:
    """A ticket as the policy and the list filters see it, at one moment."""

    tenant_id: int
    brick_id: int
    service_id: int
    sub_service_id: int
    assignee_id: int | None
    state: str
    priority: str
    escalation_level: int
    created_at: dt.datetime
    updated_at: dt.datetime
    # What the policy reads, built once: every subscriber asks it of every change.
    _policy: TicketFacts = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_policy", TicketFacts(
            tenant_id=self.tenant_id, place=TicketPlace(self.brick_id, self.service_id, self.sub_service_id),
            assignee_id=self.assignee_id))

    def policy_facts(self) -> TicketFacts:
        return self._policy

    def wire(self) -> list[Any]:
        return [self.tenant_id, self.brick_id, self.service_id, self.sub_service_id, self.assignee_id,
                self.state, self.priority, self.escalation_level, self.created_at.isoformat(),
                self.updated_at.isoformat()]

    @classmethod
    def from_wire(cls, v: list[Any]) -> LiveTicketFacts:
        return cls(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], dt.datetime.fromisoformat(v[8]),
                   dt.datetime.fromisoformat(v[9]))


@dataclass(frozen=True, slots=True)
class LiveEventRef:
    """One history event of the commit: enough to filter it; its row is read when it is sent."""

    id: int
    kind: str
    internal: bool


@dataclass(frozen=True, slots=True)
class TicketChanged:
    """One ticket changed in one commit. `before` is None for a ticket the commit opened."""

    ticket_id: int
    version: int
    after: LiveTicketFacts
    before: LiveTicketFacts | None
    events: tuple[LiveEventRef, ...]
    # When the commit happened (epoch seconds): the fan-out's lag is measured from it.
    at: float = field(default_factory=time.time)


@dataclass(frozen=True, slots=True)
class MirrorChanged:
    """A ticket's mirror changed in one commit (its state, local ref, error, what the desk shows).

    It carries the ticket's facts, as for a ticket message: who may see the ticket sees its mirror.
    The mirror itself is read by the subscribers allowed to.
    """

    ticket_id: int
    ticket: LiveTicketFacts
    at: float = field(default_factory=time.time)


@dataclass(frozen=True, slots=True)
class NotificationPosted:
    """An in-app notification for one user (the notifications side posts it)."""

    user_id: int
    notification_id: int
    kind: str
    ticket_id: int | None
    ticket: LiveTicketFacts | None
    at: float = field(default_factory=time.time)


@dataclass(frozen=True, slots=True)
class CredentialsRevoked:
    """Tokens, users or tenants revoked or deactivated: every process re-checks its open sockets."""

    keys: tuple[tuple[str, int], ...]


LiveMessage = TicketChanged | MirrorChanged | NotificationPosted | CredentialsRevoked


def _to_wire(m: LiveMessage) -> dict[str, Any]:
    if isinstance(m, TicketChanged):
        return {"k": "t", "id": m.ticket_id, "v": m.version, "a": m.after.wire(),
                "b": m.before.wire() if m.before else None, "at": m.at,
                "e": [[e.id, e.kind, e.internal] for e in m.events]}
    if isinstance(m, MirrorChanged):
        return {"k": "m", "id": m.ticket_id, "f": m.ticket.wire(), "at": m.at}
    if isinstance(m, NotificationPosted):
        return {"k": "n", "u": m.user_id, "n": m.notification_id, "kind": m.kind, "t": m.ticket_id,
                "f": m.ticket.wire() if m.ticket else None, "at": m.at}
    return {"k": "r", "keys": [list(k) for k in m.keys]}


def _from_wire(d: dict[str, Any]) -> LiveMessage:
    if d["k"] == "t":
        return TicketChanged(d["id"], d["v"], LiveTicketFacts.from_wire(d["a"]),
                             LiveTicketFacts.from_wire(d["b"]) if d["b"] else None,
                             tuple(LiveEventRef(i, k, bool(x)) for i, k, x in d["e"]), d["at"])
    if d["k"] == "m":
        return MirrorChanged(d["id"], LiveTicketFacts.from_wire(d["f"]), d["at"])
    if d["k"] == "n":
        return NotificationPosted(d["u"], d["n"], d["kind"], d["t"],
                                  LiveTicketFacts.from_wire(d["f"]) if d["f"] else None, d["at"])
    return CredentialsRevoked(tuple((str(kind), int(i)) for kind, i in d["keys"]))


def encode(messages: list[LiveMessage]) -> list[str]:
    """The messages as JSON payloads, each under CHUNK_BYTES (one message per payload at worst)."""
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for m in messages:
        item = json.dumps(_to_wire(m), separators=(",", ":"))
        if current and size + len(item) + 1 > CHUNK_BYTES:
            chunks.append("[" + ",".join(current) + "]")
            current, size = [], 0
        current.append(item)
        size += len(item) + 1
    if current:
        chunks.append("[" + ",".join(current) + "]")
    return chunks


def decode(payload: str | bytes) -> list[LiveMessage]:
    """The messages of one payload; a payload this version cannot read is dropped whole."""
    return [_from_wire(d) for d in json.loads(payload)]
