"""Who may see and do what: pure functions over a Principal, the only place these rules live.

Query builders in server/ ask this module for a visibility rule and apply it where the SQL is
built (server/tickets/access.py for tickets); resolvers never re-implement it. For tickets it
answers two questions: does an expert's designation cover a ticket (`covers`), and which parties
the caller is on it (`parties`), which the workflow's transition table names.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from tenants.context import (
    ApprovalRule,
    ApproverKind,
    Designation,
    Operator,
    Principal,
    Provisioner,
    Role,
    TenantKind,
    TicketFacts,
    TicketPlace,
)

# Roles that mean something in one kind of tenant only: a school user given "group-admin" in a shared
# realm is no group administrator, and must not act as one anywhere (the ticket workflow included).
TENANT_BOUND_ROLES: dict[Role, TenantKind] = {
    Role.GROUP_ADMIN: TenantKind.GROUP,
    Role.OPERATIONS: TenantKind.OPERATIONS,
}


def effective_roles(roles: Iterable[Role], tenant_kind: TenantKind) -> frozenset[Role]:
    """The roles a caller holds in its tenant: tenant-bound roles count only in their tenant kind."""
    return frozenset(r for r in roles if TENANT_BOUND_ROLES.get(r, tenant_kind) is tenant_kind)


def is_group_admin(p: Principal) -> bool:
    return Role.GROUP_ADMIN in p.roles and p.tenant_kind is TenantKind.GROUP


def is_operations(p: Principal) -> bool:
    return Role.OPERATIONS in p.roles and p.tenant_kind is TenantKind.OPERATIONS


def sees_all_schools(p: Principal) -> bool:
    """Group admins and the operations centre see every school's tickets."""
    return is_group_admin(p) or is_operations(p)


def may_manage_catalog(p: Principal) -> bool:
    return is_group_admin(p)


def may_manage_service_levels(p: Principal) -> bool:
    """Targets per sub-service and priority bind the whole group's experts: group admins set them."""
    return is_group_admin(p)


def may_designate_experts(p: Principal) -> bool:
    return is_group_admin(p)


def sees_inactive_catalog(p: Principal) -> bool:
    """Deactivated bricks and services stay visible to those who can bring them back."""
    return is_group_admin(p)


def may_read_stats(p: Principal) -> bool:
    """Dashboard figures (stats, its CSV export): group admins, school managers and experts, each
    over the tickets they see (ticket_scope); school agents, desk accounts and the operations centre
    work tickets one by one and get none."""
    return (is_group_admin(p) or Role.EXPERT in p.roles
            or (Role.SCHOOL_MANAGER in p.roles and p.tenant_kind is TenantKind.SCHOOL))


def may_list_users_of(p: Principal, tenant_id: int) -> bool:
    return sees_all_schools(p) or p.tenant_id == tenant_id


def may_see_user(p: Principal, *, tenant_id: int, roles: Iterable[Role]) -> bool:
    """A user of one's own tenant, any expert (the experts list names them), anyone for group staff."""
    return may_list_users_of(p, tenant_id) or Role.EXPERT in roles


def may_list_tenants(p: Principal) -> bool:
    # The member list is no secret inside the federation: every school opens tickets for itself
    # and sees which school an expert works at.
    return True


def may_use_api(p: Principal) -> bool:
    """Any authenticated caller (an active user of an active tenant) may call the API and see who it
    is; what it may see and do inside is decided object by object below."""
    return True


def may_read_shared_data(p: Principal) -> bool:
    """The catalogue, the expert designations and the routing and workflow rules are the whole
    federation's: every signed-in caller reads them (deactivated entries: see sees_inactive_catalog)."""
    return True


# Roles that work a school's tickets from the school's side: they open them and answer questions.
SCHOOL_SUPPORT_ROLES = frozenset({Role.SCHOOL_AGENT, Role.SCHOOL_MANAGER, Role.DESK_INTEGRATION})


def covers(designation: Designation, place: TicketPlace) -> bool:
    """Whether a designation covers a ticket's place: a brick one the whole brick, a service one
    the service, a sub-service one the sub-service (server/tickets/access.py is its SQL twin)."""
    if designation.sub_service_id is not None:
        return designation.sub_service_id == place.sub_service_id
    if designation.service_id is not None:
        return designation.service_id == place.service_id
    return designation.brick_id == place.brick_id


def expert_designations(p: Principal) -> frozenset[Designation]:
    """The designations that count: a user who lost the expert role covers nothing."""
    return p.designations if Role.EXPERT in p.roles else frozenset()


def covers_ticket(p: Principal, place: TicketPlace) -> bool:
    """Whether `p` is an expert one of whose designations covers the place."""
    return any(covers(d, place) for d in expert_designations(p))


@dataclass(frozen=True, slots=True)
class TicketScope:
    """Which tickets a caller sees, and on which of them it reads internal comments and events.

    A ticket is visible when any clause matches: every ticket (`all`), tickets for one of
    `tenant_ids`, tickets one of `designations` covers, tickets assigned to `assignee_id`.
    Internal comments are shown to group staff (`internal_comments`) on the tickets they see as
    staff: all of them for admins, those they cover and their own for experts, never on their own
    school's tickets seen only as a school user.
    """

    all: bool = False
    tenant_ids: frozenset[int] = frozenset()
    designations: frozenset[Designation] = frozenset()
    assignee_id: int | None = None
    internal_comments: bool = False

    def _as_staff(self, t: TicketFacts) -> bool:
        return (self.all or any(covers(d, t.place) for d in self.designations)
                or (t.assignee_id is not None and t.assignee_id == self.assignee_id))

    def sees(self, t: TicketFacts) -> bool:
        return t.tenant_id in self.tenant_ids or self._as_staff(t)

    def sees_internal(self, t: TicketFacts) -> bool:
        return self.internal_comments and self._as_staff(t)


def ticket_scope(p: Principal) -> TicketScope:
    """What `p` may read of tickets; the only definition of ticket visibility."""
    if is_group_admin(p):
        return TicketScope(all=True, internal_comments=True)
    # The operations centre acts for the schools: every ticket, but the school's view of it.
    if is_operations(p):
        return TicketScope(all=True)
    return TicketScope(
        tenant_ids=frozenset({p.tenant_id}) if p.tenant_kind is TenantKind.SCHOOL else frozenset(),
        designations=expert_designations(p),
        assignee_id=p.user_id,
        internal_comments=Role.EXPERT in p.roles,
    )


def may_see(p: Principal, t: TicketFacts) -> bool:
    return ticket_scope(p).sees(t)


def desk_scope(p: Principal) -> TicketScope:
    """The tickets a school's desk speaks for: its own school's, whatever else the account reads."""
    return TicketScope(tenant_ids=frozenset({p.tenant_id})) if is_desk_integration(p) else TicketScope()


class Party(StrEnum):
    """A part a caller plays towards one ticket; the workflow's transitions name the parties they
    admit, and `parties` below is the one place that says who plays which."""

    GROUP_ADMIN = "a group admin"
    OPERATIONS = "the operations centre"
    COVERING_EXPERT = "an expert designated for the ticket"
    ASSIGNEE = "the assignee"
    # Support of the opening school: an agent, a manager or its local desk's technical account.
    OPENING_SCHOOL = "the opening school"
    # Approval commits the school: those the sub-service names (by default the opening school's
    # managers) decide it, or a group admin.
    MANAGER = "an approver of the request (by default a manager of the opening school)"
    # Automatic work (routing, auto-close); no caller plays it.
    SYSTEM = "the system"


def parties(p: Principal, t: TicketFacts) -> frozenset[Party]:
    """Every part `p` plays on the ticket; the workflow and the other ticket changes ask this."""
    found: set[Party] = set()
    if is_group_admin(p):
        found.add(Party.GROUP_ADMIN)
    if is_operations(p):
        found.add(Party.OPERATIONS)
    if covers_ticket(p, t.place):
        found.add(Party.COVERING_EXPERT)
    if t.assignee_id is not None and t.assignee_id == p.user_id:
        found.add(Party.ASSIGNEE)
    if p.tenant_kind is TenantKind.SCHOOL and p.tenant_id == t.tenant_id:
        if p.roles & SCHOOL_SUPPORT_ROLES:
            found.add(Party.OPENING_SCHOOL)
    if approves(p, t.tenant_id, t.approval):
        found.add(Party.MANAGER)
    return frozenset(found)


# Roles that belong to one school: as approvers they count at the opening school only.
SCHOOL_BOUND_ROLES = frozenset({Role.SCHOOL_AGENT, Role.SCHOOL_MANAGER})


def approves(p: Principal, tenant_id: int, rule: ApprovalRule) -> bool:
    """Whether `p` is one of the approvers `rule` names for a request of school `tenant_id`.

    Technical accounts never approve: approval is a person's decision.
    """
    if p.technical:
        return False
    at_school = p.tenant_kind is TenantKind.SCHOOL and p.tenant_id == tenant_id
    if rule.kind is ApproverKind.USERS:
        return p.user_id in rule.user_ids
    if rule.kind is ApproverKind.ROLE and rule.role is not None:
        return rule.role in p.roles and (at_school or rule.role not in SCHOOL_BOUND_ROLES)
    return at_school and Role.SCHOOL_MANAGER in p.roles


# Those who work on the ticket or asked for it; not an expert of another brick who only reads it.
PRIORITY_SETTERS = frozenset({Party.GROUP_ADMIN, Party.ASSIGNEE, Party.COVERING_EXPERT,
                              Party.OPENING_SCHOOL, Party.OPERATIONS})
# Escalation is the requester's (or the group's) lever on the experts, not the experts' own.
ESCALATORS = frozenset({Party.GROUP_ADMIN, Party.OPENING_SCHOOL, Party.OPERATIONS})


def may_set_priority(played: frozenset[Party]) -> bool:
    return bool(played & PRIORITY_SETTERS)


def may_escalate(played: frozenset[Party]) -> bool:
    return bool(played & ESCALATORS)


def may_open_tickets_for(p: Principal, tenant_id: int, tenant_kind: TenantKind) -> bool:
    """School support opens for its own school; the operations centre for any school."""
    if tenant_kind is not TenantKind.SCHOOL:
        return False
    if is_operations(p):
        return True
    return (p.tenant_kind is TenantKind.SCHOOL and p.tenant_id == tenant_id
            and bool(p.roles & SCHOOL_SUPPORT_ROLES))


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


def may_provision_expert_designations(p: Provisioner) -> bool:
    """Expert designations open other schools' tickets (and their internal comments) to the expert:
    only the group's own provider may make them, next to group administrators. A school's
    expert-named groups grant the bare expert role, which opens nothing until a group administrator
    designates the member."""
    return p.tenant_kind is TenantKind.GROUP


def provisioned_tenant_id(p: Provisioner) -> int:
    """The one tenant whose users and groups a SCIM token sees and changes: its own."""
    return p.tenant_id


def may_configure_desks(p: Principal) -> bool:
    """Desk settings name where secrets live: group administrators only."""
    return is_group_admin(p)


def may_check_desks(p: Principal) -> bool:
    """Checking a desk reaches it with the school's secrets and shows what it answered (accounts,
    URLs, mappings): group administrators only, as for configuring it."""
    return is_group_admin(p)


def may_operate_mirrors(p: Principal) -> bool:
    """Seeing every school's mirror state and retrying a paused one."""
    return is_group_admin(p)


def may_see_language(p: Principal, user_id: int) -> bool:
    """A person's chosen language is theirs: shown to them and to group administrators."""
    return p.user_id == user_id or is_group_admin(p)


def may_choose_language(p: Principal) -> bool:
    """A person chooses the language they read, for themselves only; technical accounts send
    Accept-Language instead (their messages are read by whoever runs the integration)."""
    return not p.technical


def is_desk_integration(p: Principal) -> bool:
    """A school's desk technical account: acts on its own school's tickets only."""
    return Role.DESK_INTEGRATION in p.roles and p.tenant_kind is TenantKind.SCHOOL


def may_report_fulfilment(p: Principal) -> bool:
    """Fulfilment status comes from automation: a school desk's technical account (its deployment
    tools report through it), or a group admin correcting a report. Asked before any look-up."""
    return is_desk_integration(p) or is_group_admin(p)


def may_set_fulfilment(p: Principal, ticket_tenant_id: int) -> bool:
    """On one ticket: its own school's desk account only, or a group admin."""
    return (is_desk_integration(p) and p.tenant_id == ticket_tenant_id) or is_group_admin(p)


def notification_owner(p: Principal) -> int:
    """Whose notifications and notification preferences a caller reads and changes: their own,
    whatever their role (a group admin reads no one else's bell either)."""
    return p.user_id


# The roles each kind of tenant gives: a school's support and experts, the group's administrators,
# the operations centre's staff. Desk integration is for technical accounts only, and only that.
TENANT_ROLES: dict[TenantKind, frozenset[Role]] = {
    TenantKind.SCHOOL: frozenset({Role.SCHOOL_AGENT, Role.SCHOOL_MANAGER, Role.EXPERT,
                                  Role.DESK_INTEGRATION}),
    TenantKind.GROUP: frozenset({Role.GROUP_ADMIN, Role.EXPERT}),
    TenantKind.OPERATIONS: frozenset({Role.OPERATIONS, Role.EXPERT}),
}
TECHNICAL_ROLES = frozenset({Role.DESK_INTEGRATION})


def roles_a_user_may_hold(kind: TenantKind, *, technical: bool) -> frozenset[Role]:
    """The roles an account of a tenant of `kind` may be given: a person never the desk's role,
    a technical account nothing else."""
    allowed = TENANT_ROLES[kind]
    return allowed & TECHNICAL_ROLES if technical else allowed - TECHNICAL_ROLES


def may_administer_users(p: Principal | Operator) -> bool:
    """Setting roles, deactivating, reactivating and moving users: group administrators (and the
    operator at the command line)."""
    return isinstance(p, Operator) or is_group_admin(p)


@dataclass(frozen=True, slots=True)
class UserScope:
    """Which users a caller may list: everyone, a school's, and (for all callers) the experts."""

    all: bool = False
    tenant_ids: frozenset[int] = frozenset()


def user_scope(p: Principal) -> UserScope:
    """Group admins list everyone, a school's managers their school; every caller lists the experts
    (the experts list is the federation's, may_read_shared_data)."""
    if is_group_admin(p):
        return UserScope(all=True)
    if p.tenant_kind is TenantKind.SCHOOL and Role.SCHOOL_MANAGER in p.roles:
        return UserScope(tenant_ids=frozenset({p.tenant_id}))
    return UserScope()


def audit_scope(p: Principal) -> UserScope | None:
    """Whose audit trail a caller reads: group admins all of it, a school's managers their school's
    (the same shape as user_scope); None for everyone else."""
    if is_group_admin(p):
        return UserScope(all=True)
    if p.tenant_kind is TenantKind.SCHOOL and Role.SCHOOL_MANAGER in p.roles:
        return UserScope(tenant_ids=frozenset({p.tenant_id}))
    return None


def may_see_api_token_use(p: Principal) -> bool:
    """Which API token wrote a comment or an event: those who manage the tokens."""
    return is_group_admin(p)
