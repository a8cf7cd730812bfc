"""The GLPI profile rights the integration needs, read from getFullSession's active profile.

GLPI keeps rights as bit masks per right name (`glpi_profilerights`); the active profile in
`getFullSession` lists them (`"ticket": 168967`, ...). The bits are GLPI's constants: the standard
ones (READ 1, UPDATE 2, CREATE 4) and the ITIL ones (Ticket READALL 1024; ITILFollowup SEEPUBLIC 1,
ADDALLTICKET 4096).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

READ, UPDATE, CREATE = 1, 2, 4
TICKET_READALL = 1024
FOLLOWUP_SEEPUBLIC, FOLLOWUP_ADDALLTICKET = 1, 4096

# (right name, bit, what the integration does with it)
NEEDED: tuple[tuple[str, int, str], ...] = (
    ("ticket", CREATE, "create tickets"),
    ("ticket", UPDATE, "update tickets (status, assignment, solutions)"),
    ("ticket", TICKET_READALL, "see all tickets of the entity (the poll reads them)"),
    ("followup", FOLLOWUP_ADDALLTICKET, "add followups to any ticket"),
    ("followup", FOLLOWUP_SEEPUBLIC, "see public followups"),
    ("user", READ, "read users (technicians' names)"),
)


def missing_rights(profile: Mapping[str, Any]) -> list[str]:
    """What the active profile does not allow, in words and with the right's name and bit."""
    missing = []
    for name, bit, what in NEEDED:
        try:
            granted = int(profile.get(name) or 0)
        except (TypeError, ValueError):
            granted = 0
        if not granted & bit:
            missing.append(f"{what} ({name} right {bit})")
    return missing
