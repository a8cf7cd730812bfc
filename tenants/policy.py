"""Who may see and do what: pure functions over a Principal, the only place these rules live.

Query builders in server/ ask this module for a visibility rule and apply it where the SQL is
built; resolvers never re-implement it.
"""

from __future__ import annotations

from tenants.context import Operator, Principal, Role, TenantKind


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
