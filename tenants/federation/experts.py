"""The `experts:` section: who is designated on which brick, service or sub-service."""

from __future__ import annotations

from tenants.context import Role
from tenants.federation.catalog import Catalogue
from tenants.federation.fields import Record
from tenants.federation.people import Users
from tenants.federation.specs import DesignationSpec

EXPERT_FIELDS = ("user", "brick", "service", "sub_service")


def read_designations(top: Record, users: Users, catalogue: Catalogue) -> list[DesignationSpec]:
    """Read every designation, checking each refers to an expert and an existing catalogue entry."""
    designations: list[DesignationSpec] = []
    seen: dict[DesignationSpec, int] = {}
    for node, path in top.items("experts", required=False):
        record = Record.open(top.log, node, path, EXPERT_FIELDS)
        if record is None:
            continue
        spec = _read_designation(record, users, catalogue)
        if spec is None:
            continue
        if spec in seen:
            record.problem("user", f"this designation repeats the one at line {seen[spec]}")
            continue
        seen[spec] = record.node.line
        designations.append(spec)
    return designations


def _read_designation(record: Record, users: Users, catalogue: Catalogue) -> DesignationSpec | None:
    """One designation, with names in their declared spelling; None when it has issues."""
    username = _expert(record, users)
    brick = record.text("brick")
    service = record.optional_text("service")
    sub_service = record.optional_text("sub_service")
    found_brick = catalogue.bricks.find(brick) if brick else None
    if brick and found_brick is None:
        record.problem("brick", f"unknown brick {brick!r}")
    found_service = None
    if found_brick is not None and service is not None:
        names = catalogue.services.get(found_brick.casefold())
        found_service = names.find(service) if names else None
        if found_service is None:
            record.problem("service", f"brick {found_brick!r} has no service {service!r}")
    found_sub = None
    if sub_service is not None and service is None and record.value("service") is None:
        record.problem("service", "required when sub_service is given")
    elif found_brick is not None and found_service is not None and sub_service is not None:
        names = catalogue.sub_services.get((found_brick.casefold(), found_service.casefold()))
        found_sub = names.find(sub_service) if names else None
        if found_sub is None:
            record.problem("sub_service", f"service {found_service!r} of brick {found_brick!r} "
                                          f"has no sub-service {sub_service!r}")
    if not record.ok or username is None or found_brick is None:
        return None
    return DesignationSpec(username=username, brick=found_brick, service=found_service,
                           sub_service=found_sub)


def _expert(record: Record, users: Users) -> str | None:
    """The designated user's declared username, if it exists and holds the expert role."""
    username = record.text("user")
    declared = users.usernames.find(username) if username else None
    if username and declared is None:
        record.problem("user", f"unknown user {username!r}")
        return None
    if declared is None:
        return None
    roles = users.roles.get(declared.casefold())
    if roles is not None and Role.EXPERT not in roles:
        record.problem("user", f"user {declared!r} is designated but lacks the 'expert' role")
    return declared
