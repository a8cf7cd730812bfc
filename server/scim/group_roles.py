"""What a SCIM group grants, read from its display name alone (pure).

The convention, documented in the README, is one an administrator can apply in Entra ID or Keycloak
without touching groupdesk:

    groupdesk-<role>            the role, e.g. groupdesk-school-agent, groupdesk-school-manager
    groupdesk-expert-<brick>    the expert role and an expert designation on the brick whose code is
                                <brick>, e.g. groupdesk-expert-scenari

Names are compared ignoring case and surrounding spaces; the prefix is a setting
(GROUPDESK_SCIM_GROUP_PREFIX). Any other group is kept but grants nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from tenants.context import Role

DEFAULT_PREFIX = "groupdesk-"
EXPERT_POOL = "expert-"
# The brick code pattern of the federation file: lowercase letters, digits and '-'.
BRICK_CODE = re.compile(r"[a-z0-9][a-z0-9-]*")
_ROLES = {role.value: role for role in Role}


@dataclass(frozen=True, slots=True)
class Grants:
    roles: frozenset[Role] = frozenset()
    expert_bricks: frozenset[str] = frozenset()

    def __or__(self, other: Grants) -> Grants:
        return Grants(self.roles | other.roles, self.expert_bricks | other.expert_bricks)


NOTHING = Grants()


def grants_of_group(display_name: str, *, prefix: str = DEFAULT_PREFIX) -> Grants:
    name = display_name.strip().casefold()
    prefix = prefix.strip().casefold()
    if not prefix or not name.startswith(prefix):
        return NOTHING
    rest = name[len(prefix):]
    if rest in _ROLES:
        return Grants(roles=frozenset({_ROLES[rest]}))
    if rest.startswith(EXPERT_POOL) and BRICK_CODE.fullmatch(brick := rest[len(EXPERT_POOL):]):
        return Grants(roles=frozenset({Role.EXPERT}), expert_bricks=frozenset({brick}))
    return NOTHING


def grants_of_groups(display_names: Iterable[str], *, prefix: str = DEFAULT_PREFIX) -> Grants:
    grants = NOTHING
    for name in display_names:
        grants |= grants_of_group(name, prefix=prefix)
    return grants
