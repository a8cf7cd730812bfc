"""The `fulfilment:` section: the statuses automation (deployment tools) reports on tickets.

Schools' software requests go through deployment tools whose status travels through a shared
field. Each federation names its list; without the section it is the default one below. A status
marked `error: true` notifies the ticket's assignee and shows in the `fulfilmentError` filter.
"""

from __future__ import annotations

import re

from tenants.federation.fields import Record, UniqueNames
from tenants.federation.specs import FulfilmentStatusSpec

SECTION_FIELDS = ("statuses",)
STATUS_FIELDS = ("code", "name", "error")
# Upper-case codes, as deployment tools and the API's filters write them.
CODE = re.compile(r"[A-Z][A-Z0-9_]{0,31}")
CODE_HINT = "must be upper-case letters, digits and '_', starting with a letter (at most 32)"

DEFAULT_STATUSES: tuple[FulfilmentStatusSpec, ...] = (
    FulfilmentStatusSpec("TO_DO", "To do"),
    FulfilmentStatusSpec("IN_PROGRESS", "In progress"),
    FulfilmentStatusSpec("INTEGRATION_ERROR", "Integration error", error=True),
    FulfilmentStatusSpec("DEPLOYMENT_ERROR", "Deployment error", error=True),
    FulfilmentStatusSpec("DONE", "Done"),
)


def read_fulfilment(top: Record) -> tuple[FulfilmentStatusSpec, ...]:
    """The optional `fulfilment:` section; the default list when it is absent."""
    node = top.value("fulfilment")
    if node is None:
        return DEFAULT_STATUSES
    record = Record.open(top.log, node, top.path_of("fulfilment"), SECTION_FIELDS)
    if record is None:
        return DEFAULT_STATUSES
    codes = UniqueNames("fulfilment status code")
    found: list[FulfilmentStatusSpec] = []
    items = record.items("statuses")
    for item, path in items:
        status = Record.open(record.log, item, path, STATUS_FIELDS)
        if status is None:
            continue
        code = status.text("code", limit=32, pattern=CODE, hint=CODE_HINT)
        codes.claim(status, "code", code)
        name = status.text("name")
        error = status.flag("error", False)
        if status.ok:
            found.append(FulfilmentStatusSpec(code, name, error=error))
    if not items and record.value("statuses") is not None:
        record.problem("statuses", "must list at least one status")
    return tuple(found)
