"""Parsing a federation file (YAML) into plain, frozen data.

A federation file declares the tenants, users, catalogue (bricks > services > sub-services with
their request forms) and expert designations of a group of schools; see tenants/federations/README.md
for the format. Every problem is reported with its file, line and field path, all at once.
"""

from tenants.federation.loading import demo_federation_path, load_federation, parse_federation
from tenants.federation.specs import (
    BrickSpec,
    DesignationSpec,
    Federation,
    FederationInvalid,
    FederationIssue,
    Priority,
    ServiceSpec,
    SubServiceSpec,
    TenantSpec,
    UserSpec,
)

__all__ = [
    "BrickSpec",
    "DesignationSpec",
    "Federation",
    "FederationInvalid",
    "FederationIssue",
    "Priority",
    "ServiceSpec",
    "SubServiceSpec",
    "TenantSpec",
    "UserSpec",
    "demo_federation_path",
    "load_federation",
    "parse_federation",
]
