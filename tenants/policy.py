"""Who may see and do what: pure functions over a Principal, the only place these rules live.

Query builders in server/ ask this module for a visibility rule and apply it where the SQL is
built; resolvers never re-implement it.
"""

from __future__ import annotations

from tenants.context import Operator, Principal, Provisioner, Role, TenantKind


def is_group_admin(p: Principal) -> bool:
    return Role.GROUP_ADMIN in p.roles and p.tenant_kind is TenantKind.GROUP


def is_operations(p: Principal) -> bool:
    return Role.OPERATIONS in p.roles and p.tenant_kind is TenantKind.OPERATIONS


def sees_all_schools(p: Principal) -> bool:
    """Group admins and the operations centre see every school's tickets."""
    return is_group_admin(p) or is_operations(p)


def may_manage_catalog(p: Principal) -> bool:
    return is_group_admin(p)


def may_designate_experts(p: Principal) -> bool:
    return is_group_admin(p)


def sees_inactive_catalog(p: Principal) -> bool:
    """Deactivated bricks and services stay visible to those who can bring them back."""
    return is_group_admin(p)


def may_list_users_of(p: Principal, tenant_id: int) -> bool:
    return sees_all_schools(p) or p.tenant_id == tenant_id


def may_list_tenants(p: Principal) -> bool:
    # The member list is no secret inside the federation: every school opens tickets for itself
    # and sees which school an expert works at.
    return True


def may_manage_api_tokens(actor: Principal | Operator) -> bool:
    """Group admins (and the operator at the command line) create, list and revoke API tokens."""
    return isinstance(actor, Operator) or is_group_admin(actor)


# Roles a tenant's own identity provider may hand out through SCIM groups: the powers of that kind
# of tenant, never another's, and never technical accounts (made by group administrators).
_PROVISIONED_ROLES = {
    TenantKind.SCHOOL: frozenset({Role.SCHOOL_AGENT, Role.SCHOOL_MANAGER, Role.EXPERT}),
    TenantKind.OPERATIONS: frozenset({Role.OPERATIONS, Role.EXPERT}),
    TenantKind.GROUP: frozenset({Role.GROUP_ADMIN, Role.EXPERT}),
}


def roles_provisioning_may_grant(p: Provisioner) -> frozenset[Role]:
    return _PROVISIONED_ROLES[p.tenant_kind]


def provisioned_tenant_id(p: Provisioner) -> int:
    """The one tenant whose users and groups a SCIM token sees and changes: its own."""
    return p.tenant_id
