"""Who sees which tickets and where internal comments show: the pure policy, case by case."""

from __future__ import annotations

import pytest

from tenants import policy
from tenants.context import Principal, Role, TenantKind
from tenants.policy import TicketScope

LYON, RENNES, GROUP, OPS = 1, 2, 8, 9
SCENARI, MOODLE = 10, 20


def who(*roles: Role, tenant: int = LYON, kind: TenantKind = TenantKind.SCHOOL,
        bricks: frozenset[int] = frozenset(), user_id: int = 100) -> Principal:
    return Principal(user_id=user_id, username="someone", tenant_id=tenant, tenant_slug="t",
                     tenant_kind=kind, roles=frozenset(roles), expert_brick_ids=bricks)


def sees(scope: TicketScope, tenant: int, brick: int, assignee: int | None = None) -> bool:
    return scope.sees(tenant_id=tenant, brick_id=brick, assignee_id=assignee)


def test_a_school_user_sees_their_school_only_and_no_internal_comments() -> None:
    scope = policy.ticket_scope(who(Role.SCHOOL_AGENT))
    assert sees(scope, LYON, SCENARI) and not sees(scope, RENNES, SCENARI)
    assert not scope.sees_internal(brick_id=SCENARI, assignee_id=None)


def test_an_expert_sees_their_bricks_and_their_tickets_with_internal_comments() -> None:
    scope = policy.ticket_scope(who(Role.EXPERT, tenant=RENNES, bricks=frozenset({SCENARI})))
    assert sees(scope, LYON, SCENARI) and sees(scope, RENNES, MOODLE)
    assert sees(scope, LYON, MOODLE, assignee=100) and not sees(scope, LYON, MOODLE, assignee=7)
    assert scope.sees_internal(brick_id=SCENARI, assignee_id=None)
    assert scope.sees_internal(brick_id=MOODLE, assignee_id=100)
    # Their own school's ticket on another brick: they read it as a school user.
    assert not scope.sees_internal(brick_id=MOODLE, assignee_id=None)


def test_group_admins_see_everything_and_operations_see_every_school_view() -> None:
    admin = policy.ticket_scope(who(Role.GROUP_ADMIN, tenant=GROUP, kind=TenantKind.GROUP))
    assert admin.all and admin.sees_internal(brick_id=MOODLE, assignee_id=None)
    ops = policy.ticket_scope(who(Role.OPERATIONS, tenant=OPS, kind=TenantKind.OPERATIONS))
    assert sees(ops, RENNES, MOODLE) and not ops.sees_internal(brick_id=MOODLE, assignee_id=None)


def test_roles_outside_their_tenant_kind_grant_nothing_extra() -> None:
    # A group-admin role held by a school user is not a group admin.
    scope = policy.ticket_scope(who(Role.GROUP_ADMIN))
    assert not scope.all and not sees(scope, RENNES, SCENARI)


@pytest.mark.parametrize(("principal", "target", "kind", "allowed"), [
    (who(Role.SCHOOL_AGENT), LYON, TenantKind.SCHOOL, True),
    (who(Role.SCHOOL_MANAGER), LYON, TenantKind.SCHOOL, True),
    (who(Role.DESK_INTEGRATION), LYON, TenantKind.SCHOOL, True),
    (who(Role.SCHOOL_AGENT), RENNES, TenantKind.SCHOOL, False),
    (who(Role.EXPERT), LYON, TenantKind.SCHOOL, False),
    (who(Role.OPERATIONS, tenant=OPS, kind=TenantKind.OPERATIONS), RENNES, TenantKind.SCHOOL, True),
    (who(Role.OPERATIONS, tenant=OPS, kind=TenantKind.OPERATIONS), GROUP, TenantKind.GROUP, False),
    (who(Role.GROUP_ADMIN, tenant=GROUP, kind=TenantKind.GROUP), LYON, TenantKind.SCHOOL, False),
])
def test_who_opens_tickets_for_whom(principal: Principal, target: int, kind: TenantKind,
                                    allowed: bool) -> None:
    assert policy.may_open_tickets_for(principal, target, kind) is allowed


def test_designation_counts_only_with_the_expert_role() -> None:
    assert policy.is_designated_on(who(Role.EXPERT, bricks=frozenset({SCENARI})), SCENARI)
    assert not policy.is_designated_on(who(Role.SCHOOL_AGENT, bricks=frozenset({SCENARI})), SCENARI)
