"""The `bricks:` section: the catalogue of bricks, services and sub-services with their forms."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from jsonschema import Draft202012Validator

from tenants.federation.fields import (
    DESCRIPTION_MAX,
    SLUG,
    SLUG_HINT,
    SLUG_MAX,
    Record,
    UniqueNames,
    join_path,
    kind_of,
    plain_data,
)
from tenants.federation.located import Located, LocatedList, LocatedMap
from tenants.federation.service_levels import read_targets
from tenants.federation.specs import PRIORITIES, BrickSpec, Priority, ServiceSpec, SubServiceSpec

BRICK_FIELDS = ("code", "name", "description", "services", "active")
SERVICE_FIELDS = ("name", "description", "sub_services", "active")
SUB_SERVICE_FIELDS = ("name", "description", "form", "approval", "priority", "active", "targets")

EMPTY_FORM: dict[str, Any] = {"type": "object"}

# What Draft202012Validator.check_schema runs, kept so that every error is reported, not the first.
_META_VALIDATOR = Draft202012Validator(
    Draft202012Validator.META_SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER
)


@dataclass
class Catalogue:
    """The bricks read so far, and the names declared at each level for designations to check."""

    specs: list[BrickSpec] = field(default_factory=list)
    bricks: UniqueNames = field(default_factory=lambda: UniqueNames("brick code"))
    # Service names by casefolded brick code; sub-service names by (brick, service), casefolded.
    services: dict[str, UniqueNames] = field(default_factory=dict)
    sub_services: dict[tuple[str, str], UniqueNames] = field(default_factory=dict)


def read_bricks(top: Record) -> Catalogue:
    """Read every brick with its services and sub-services."""
    catalogue = Catalogue()
    for node, path in top.items("bricks"):
        record = Record.open(top.log, node, path, BRICK_FIELDS)
        if record is not None:
            _read_brick(record, catalogue)
    return catalogue


def _read_brick(record: Record, catalogue: Catalogue) -> None:
    """One brick; added to the catalogue's specs only when it and all its parts are valid."""
    code = record.text("code", limit=SLUG_MAX, pattern=SLUG, hint=SLUG_HINT)
    # A repeated brick gets a throw-away scope, so its services don't clash with the first one's.
    service_names = UniqueNames("service name")
    if catalogue.bricks.claim(record, "code", code):
        catalogue.services[code.casefold()] = service_names
    name = record.text("name")
    description = record.text("description", limit=DESCRIPTION_MAX)
    active = record.flag("active", True)
    services = []
    for node, path in _non_empty_items(record, "services"):
        service = Record.open(record.log, node, path, SERVICE_FIELDS)
        services.append(None if service is None else _read_service(service, code, service_names,
                                                                   catalogue))
    if record.ok and all(services):
        catalogue.specs.append(BrickSpec(code=code, name=name, description=description,
                                         services=tuple(cast(list[ServiceSpec], services)),
                                         active=active))


def _read_service(
    record: Record, code: str, names: UniqueNames, catalogue: Catalogue
) -> ServiceSpec | None:
    """One service of brick `code`; None when it or one of its sub-services has issues."""
    name = record.text("name")
    sub_service_names = UniqueNames("sub-service name")
    if names.claim(record, "name", name) and names is catalogue.services.get(code.casefold()):
        catalogue.sub_services[(code.casefold(), name.casefold())] = sub_service_names
    description = record.text("description", limit=DESCRIPTION_MAX)
    active = record.flag("active", True)
    sub_services = []
    for node, path in _non_empty_items(record, "sub_services"):
        sub = Record.open(record.log, node, path, SUB_SERVICE_FIELDS)
        sub_services.append(None if sub is None else _read_sub_service(sub, sub_service_names))
    if not record.ok or not all(sub_services):
        return None
    return ServiceSpec(name=name, description=description, active=active,
                       sub_services=tuple(cast(list[SubServiceSpec], sub_services)))


def _read_sub_service(record: Record, names: UniqueNames) -> SubServiceSpec | None:
    """One sub-service; None when it has issues."""
    name = record.text("name")
    names.claim(record, "name", name)
    description = record.text("description", limit=DESCRIPTION_MAX)
    form = _read_form(record)
    approval = record.flag("approval", False)
    priority = record.choice("priority", PRIORITIES, default="NORMAL")
    active = record.flag("active", True)
    targets = read_targets(record, "targets")
    if not record.ok or form is None:
        return None
    return SubServiceSpec(name=name, description=description, form=form,
                          requires_approval=approval,
                          default_priority=cast(Priority, priority), active=active,
                          targets=targets)


def _non_empty_items(record: Record, key: str) -> list[tuple[Located, str]]:
    """A required list that must have at least one item: an empty level is a dead end."""
    items = record.items(key)
    if not items and isinstance(record.value(key), LocatedList):
        record.problem(key, "must list at least one entry")
    return items


def _read_form(record: Record) -> dict[str, Any] | None:
    """The request form: a JSON Schema for an object; `{"type": "object"}` when absent."""
    node = record.value("form")
    if node is None:
        return dict(EMPTY_FORM)
    path = record.path_of("form")
    if not isinstance(node, LocatedMap):
        record.problem("form", f"must be a mapping (a JSON Schema); got {kind_of(node)}")
        return None
    form, clean = plain_data(record.log, node, path)
    if not clean:
        record.ok = False
        return None
    valid_schema = True
    for error in _META_VALIDATOR.iter_errors(form):
        valid_schema = False
        steps = list(error.absolute_path)
        record.report(_line_at(node, steps), _path_at(path, steps),
                      f"not a valid JSON Schema: {error.message}")
    # Tickets carry their answers as one JSON object; any other top-level type can't be filled in.
    if valid_schema and form.get("type", "object") != "object":
        record.report(_line_at(node, ["type"]), join_path(path, "type"),
                      "a request form must describe an object (type: object)")
    return form if record.ok else None


def _path_at(base: str, steps: Sequence[Any]) -> str:
    """The field path of a place inside a form."""
    for step in steps:
        base = join_path(base, step)
    return base


def _line_at(node: Located, steps: Sequence[Any]) -> int:
    """The line of a place inside a form, or of the deepest part of it that exists."""
    for step in steps:
        if isinstance(node, LocatedMap) and step in node.by_key():
            node = node.by_key()[step].value
        elif isinstance(node, LocatedList) and isinstance(step, int) and step < len(node.items):
            node = node.items[step]
        else:
            break
    return node.line
