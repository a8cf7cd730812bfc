"""The group's iTop service catalogue read as groupdesk's: bricks > services > sub-services.

iTop keeps three levels: `ServiceFamily` > `Service` > `ServiceSubcategory`. They map to
groupdesk's as follows (the README's "Catalogue sync from iTop" shows the same table):

- a `Service` in a `ServiceFamily` is a **service** of the brick named after its family;
- a `Service` without a family is a **brick** of its own, with one service of the same name;
- each `ServiceSubcategory` is a **sub-service** of its Service's service.

Brick codes are the family's (or Service's) name as a slug (`Scenari` -> `scenari`). Only
`production` (or status-less) entries are active: `implementation` and `obsolete` ones are
deactivated. Descriptions left empty in iTop read as the entry's name. Read with `core/get` only:
the account needs the REST Services User profile and read rights on the two classes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

import httpx

from tenants.desks.base import DeskConfig, DeskError, DeskKind
from tenants.desks.itop_client import ItopClient, oql_quote
from tenants.federation.specs import BrickSpec, ServiceSpec, SubServiceSpec

SERVICE_FIELDS = "name,description,status,servicefamily_id,servicefamily_name,organization_name"
SUBCATEGORY_FIELDS = "name,description,status,service_id,service_name,request_type"
INACTIVE = frozenset({"implementation", "obsolete"})
SLUG_MAX = 63
DEFAULT_FORM: Mapping[str, Any] = {"type": "object"}


def slug_of(name: str) -> str:
    """A brick code from an iTop name: accents dropped, lower case, dashes between words."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")
    return slug[:SLUG_MAX].rstrip("-") or "service"


def _active(entry: Mapping[str, Any]) -> bool:
    return str(entry.get("status") or "") not in INACTIVE


def _text(entry: Mapping[str, Any]) -> str:
    return str(entry.get("description") or "").strip() or str(entry.get("name") or "").strip()


async def read_itop_catalogue(url: str, credentials: Mapping[str, str], *, organization: str | None = None,
                              timeout: float = 30.0,
                              http: httpx.AsyncClient | None = None) -> tuple[BrickSpec, ...]:
    """The catalogue iTop at `url` holds (only `organization`'s Services when given)."""
    client = ItopClient(DeskConfig(kind=DeskKind.ITOP, url=url, credentials=dict(credentials),
                                   timeout=timeout), http)
    try:
        query = "SELECT Service"
        if organization:
            query += f" WHERE organization_name = {oql_quote(organization)}"
        services = await client.get("Service", query, SERVICE_FIELDS)
        subcategories = await client.get("ServiceSubcategory", "SELECT ServiceSubcategory",
                                         SUBCATEGORY_FIELDS)
    finally:
        await client.aclose()
    return catalogue_of(services, subcategories)


def catalogue_of(services: list[dict[str, Any]],
                 subcategories: list[dict[str, Any]]) -> tuple[BrickSpec, ...]:
    """The bricks the Services and ServiceSubcategories make (see the module's docstring)."""
    under: dict[str, list[SubServiceSpec]] = {}
    for sub in sorted(subcategories, key=lambda s: str(s.get("name") or "")):
        name = str(sub.get("name") or "").strip()
        if name:
            under.setdefault(str(sub.get("service_id")), []).append(SubServiceSpec(
                name=name, description=_text(sub), form=DEFAULT_FORM, active=_active(sub)))
    bricks: dict[str, tuple[str, bool, list[ServiceSpec]]] = {}
    for service in sorted(services, key=lambda s: str(s.get("name") or "")):
        name = str(service.get("name") or "").strip()
        if not name:
            continue
        family = str(service.get("servicefamily_name") or "").strip()
        brick_name = family or name
        spec = ServiceSpec(name=name, description=_text(service),
                           sub_services=tuple(under.get(str(service.get("key")), ())),
                           active=_active(service))
        code = slug_of(brick_name)
        known = bricks.get(code)
        if known is not None and known[0].casefold() != brick_name.casefold():
            raise DeskError(f"iTop names {known[0]!r} and {brick_name!r} make the same brick code "
                            f"{code!r}: rename one of them", retryable=False)
        # A family is active while one of its Services is; a family-less Service is its own brick.
        _, active, specs = bricks.setdefault(code, (brick_name, False, []))
        specs.append(spec)
        bricks[code] = (brick_name, active or spec.active, specs)
    return tuple(BrickSpec(code=code, name=name, description=name, services=tuple(specs),
                           active=active) for code, (name, active, specs) in sorted(bricks.items()))
