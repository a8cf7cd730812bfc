"""Who sees which tickets and where internal comments show: the pure policy, case by case."""

from __future__ import annotations

import pytest

from tenants import policy
from tenants.context import Designation, Principal, Role, TenantKind, TicketFacts, TicketPlace
from tenants.policy import TicketScope

LYON, RENNES, GROUP, OPS = 1, 2, 8, 9
SCENARI, MOODLE = 10, 20
# Scenari's services and sub-services, and one of OpenMoodle's.
ACCOUNTS, PUBLISHING, CREATION, ROLE_CHANGE, FAILURE, RESTORE = 11, 12, 111, 112, 121, 201
PLACES = {SCENARI: TicketPlace(SCENARI, ACCOUNTS, CREATION), MOODLE: TicketPlace(MOODLE, 21, RESTORE)}


def who(*roles: Role, tenant: int = LYON, kind: TenantKind = TenantKind.SCHOOL,
        bricks: frozenset[int] = frozenset(), user_id: int = 100,
        designations: tuple[Designation, ...] = ()) -> Principal:
    return Principal(user_id=user_id, username="someone", tenant_id=tenant, tenant_slug="t",
                     tenant_kind=kind, roles=frozenset(roles),
                     designations=frozenset(designations) | {Designation(b) for b in bricks})


def facts(tenant: int, brick: int, assignee: int | None = None,
          place: TicketPlace | None = None) -> TicketFacts:
    return TicketFacts(tenant_id=tenant, place=place or PLACES[brick], assignee_id=assignee)


def sees(scope: TicketScope, tenant: int, brick: int, assignee: int | None = None) -> bool:
    return scope.sees(facts(tenant, brick, assignee))


def sees_internal(scope: TicketScope, brick: int, assignee: int | None = None) -> bool:
    return scope.sees_internal(facts(RENNES, brick, assignee))


def test_a_school_user_sees_their_school_only_and_no_internal_comments() -> None:
    scope = policy.ticket_scope(who(Role.SCHOOL_AGENT))
    assert sees(scope, LYON, SCENARI) and not sees(scope, RENNES, SCENARI)
    assert not sees_internal(scope, SCENARI)


def test_an_expert_sees_their_bricks_and_their_tickets_with_internal_comments() -> None:
    scope = policy.ticket_scope(who(Role.EXPERT, tenant=RENNES, bricks=frozenset({SCENARI})))
    assert sees(scope, LYON, SCENARI) and sees(scope, RENNES, MOODLE)
    assert sees(scope, LYON, MOODLE, assignee=100) and not sees(scope, LYON, MOODLE, assignee=7)
    assert sees_internal(scope, SCENARI)
    assert sees_internal(scope, MOODLE, assignee=100)
    # Their own school's ticket on another brick: they read it as a school user.
    assert not scope.sees_internal(facts(RENNES, MOODLE))


def test_group_admins_see_everything_and_operations_see_every_school_view() -> None:
    admin = policy.ticket_scope(who(Role.GROUP_ADMIN, tenant=GROUP, kind=TenantKind.GROUP))
    assert admin.all and sees_internal(admin, MOODLE)
    ops = policy.ticket_scope(who(Role.OPERATIONS, tenant=OPS, kind=TenantKind.OPERATIONS))
    assert sees(ops, RENNES, MOODLE) and not sees_internal(ops, MOODLE)


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
    place = PLACES[SCENARI]
    assert policy.covers_ticket(who(Role.EXPERT, bricks=frozenset({SCENARI})), place)
    assert not policy.covers_ticket(who(Role.SCHOOL_AGENT, bricks=frozenset({SCENARI})), place)
    assert not sees(policy.ticket_scope(who(Role.SCHOOL_AGENT, tenant=OPS, kind=TenantKind.OPERATIONS,
                                            bricks=frozenset({SCENARI}))), LYON, SCENARI)


@pytest.mark.parametrize(("designation", "covered"), [
    (Designation(SCENARI), {CREATION, ROLE_CHANGE, FAILURE}),
    (Designation(SCENARI, ACCOUNTS), {CREATION, ROLE_CHANGE}),
    (Designation(SCENARI, ACCOUNTS, ROLE_CHANGE), {ROLE_CHANGE}),
    (Designation(SCENARI, PUBLISHING, FAILURE), {FAILURE}),
    (Designation(MOODLE), {RESTORE}),
])
def test_a_designation_covers_its_brick_service_or_sub_service_and_nothing_around(
        designation: Designation, covered: set[int]) -> None:
    places = [TicketPlace(SCENARI, ACCOUNTS, CREATION), TicketPlace(SCENARI, ACCOUNTS, ROLE_CHANGE),
              TicketPlace(SCENARI, PUBLISHING, FAILURE), TicketPlace(MOODLE, 21, RESTORE)]
    assert {p.sub_service_id for p in places if policy.covers(designation, p)} == covered


def test_an_expert_on_one_service_sees_and_works_that_service_only() -> None:
    expert = who(Role.EXPERT, tenant=RENNES, designations=(Designation(SCENARI, ACCOUNTS),))
    scope = policy.ticket_scope(expert)
    accounts = facts(LYON, SCENARI, place=TicketPlace(SCENARI, ACCOUNTS, ROLE_CHANGE))
    publishing = facts(LYON, SCENARI, place=TicketPlace(SCENARI, PUBLISHING, FAILURE))
    assert scope.sees(accounts) and scope.sees_internal(accounts)
    assert not scope.sees(publishing) and not scope.sees_internal(publishing)
    assert policy.Party.COVERING_EXPERT in policy.parties(expert, accounts)
    assert policy.parties(expert, publishing) == frozenset()


@pytest.mark.parametrize(("caller", "parties"), [
    (who(Role.SCHOOL_AGENT), {"OPENING_SCHOOL"}),
    (who(Role.SCHOOL_MANAGER), {"OPENING_SCHOOL", "MANAGER"}),
    (who(Role.DESK_INTEGRATION), {"OPENING_SCHOOL"}),
    (who(Role.SCHOOL_MANAGER, tenant=RENNES), set()),
    (who(Role.EXPERT, Role.SCHOOL_AGENT, bricks=frozenset({SCENARI}), user_id=7),
     {"OPENING_SCHOOL", "COVERING_EXPERT", "ASSIGNEE"}),
    (who(Role.OPERATIONS, tenant=OPS, kind=TenantKind.OPERATIONS), {"OPERATIONS"}),
    (who(Role.GROUP_ADMIN, tenant=GROUP, kind=TenantKind.GROUP), {"GROUP_ADMIN"}),
    # Group-level roles held by a school user play no part.
    (who(Role.GROUP_ADMIN, Role.OPERATIONS), set()),
])
def test_the_parties_a_caller_plays_on_lyons_ticket(caller: Principal, parties: set[str]) -> None:
    assert {p.name for p in policy.parties(caller, facts(LYON, SCENARI, assignee=7))} == parties
