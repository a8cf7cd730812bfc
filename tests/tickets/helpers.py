"""Demo users, catalogue look-ups and GraphQL snippets shared by the ticket tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from server.catalog.models import Brick, Service, SubService
from server.identity.auth import principal_of
from server.identity.models import Tenant, User
from tenants.context import Principal

ADMIN = "valentine.orsembaud"           # group-admin at groupe-insa
OPERATIONS = "xaviere.lamboulin"        # operations centre
LYON_AGENT = "amandine.roclerc"         # school-agent, INSA Lyon
LYON_MANAGER = "bastien.fauvrelle"      # school-manager, INSA Lyon
LYON_EXPERT = "celeste.morvandieu"      # school-agent + expert on the whole Scenari brick, Lyon
ROUEN_EXPERT = "ismael.grandcourtois"   # expert on Scenari > Account management, Rouen
RENNES_AGENT = "dorian.kerhoual"        # school-agent, INSA Rennes: "the other school"
RENNES_MANAGER = "elodie.penhoaz"
RENNES_EXPERT = "fanny.lestrehan"       # school-agent + expert on OpenMoodle, Rennes
STRASBOURG_EXPERT = "lucien.haffenwald"  # expert on Partage, Strasbourg
CVL_AGENT = "paulin.verneuillet"
CVL_EXPERT = "romane.chavagnol"         # expert on Visio, Centre Val de Loire
HDF_EXPERT = "ulysse.dumarquet"         # expert on GitLab and Visio outages, Hauts-de-France

ACCOUNT_CREATION = ("scenari", "Account management", "Account creation")
ROLE_CHANGE = ("scenari", "Account management", "Role change")          # needs approval
PUBLICATION_FAILURE = ("scenari", "Publishing", "Publication failure")
MODEL_UPGRADE = ("scenari", "Workshops", "Model upgrade")               # brick expert only
PROJECT_FOLDER = ("partage", "Storage", "Project folder")
SYNC_ERROR = ("partage", "Synchronisation", "Sync client error")

ACCOUNT_REQUEST = {"account_email": "new.author@insa-lyon.example.org",
                   "platform": "scenari-pedagogie", "role": "author"}
SYNC_REQUEST = {"account_email": "someone@insa-lyon.example.org", "client_os": "linux",
                "error_message": "conflict on every file"}


def gid(type_name: str, ident: int) -> str:
    return relay.to_base64(type_name, ident)


async def principal(session: AsyncSession, username: str) -> Principal:
    user = await session.scalar(select(User).where(User.username == username))
    assert user is not None, username
    tenant = await session.get(Tenant, user.tenant_id)
    assert tenant is not None
    return await principal_of(session, user, tenant)


async def sub_service_id(session: AsyncSession, path: tuple[str, str, str]) -> int:
    brick, service, sub = path
    found = await session.scalar(
        select(SubService.id).join(Service, Service.id == SubService.service_id)
        .join(Brick, Brick.id == Service.brick_id)
        .where(Brick.code == brick, Service.name == service, SubService.name == sub))
    assert found is not None, path
    return found


async def user_id(session: AsyncSession, username: str) -> int:
    found = await session.scalar(select(User.id).where(User.username == username))
    assert found is not None, username
    return found


async def tenant_id(session: AsyncSession, slug: str) -> int:
    found = await session.scalar(select(Tenant.id).where(Tenant.slug == slug))
    assert found is not None, slug
    return found


async def count(session: AsyncSession, model: type) -> int:
    return await session.scalar(select(func.count()).select_from(model)) or 0


TICKET = """id ref state version priority title localRef escalationLevel solution
  assignee { username } school { slug } openedBy { username } allowedActions
  subService { name } service { name } brick { code }"""
PROBLEMS = """... on Problem { __typename message }
  ... on ValidationFailed { fields { field message } }
  ... on Conflict { currentVersion }
  ... on ActionNotAllowed { action state allowedActions }"""

OPEN = f"""mutation($input: OpenTicketInput!) {{ openTicket(input: $input) {{
  __typename ... on Ticket {{ {TICKET} }} ... on Problem {{ __typename message }}
  ... on ValidationFailed {{ fields {{ field message }} }} }} }}"""


def mutation(name: str, input_type: str) -> str:
    """A ticket mutation returning the ticket or its typed error."""
    return f"""mutation($input: {input_type}!) {{ {name}(input: $input) {{
      __typename ... on Ticket {{ {TICKET} }} {PROBLEMS} }} }}"""


TAKE = mutation("takeTicket", "TicketChangeInput")
ASSIGN = mutation("assignTicket", "AssignTicketInput")
START = mutation("startTicket", "TicketChangeInput")
HOLD = mutation("holdTicket", "TicketReasonInput")
ANSWER = mutation("answerTicket", "AnswerTicketInput")
RESUME = mutation("resumeTicket", "TicketChangeInput")
RESOLVE = mutation("resolveTicket", "ResolveTicketInput")
REOPEN = mutation("reopenTicket", "ReopenTicketInput")
CLOSE = mutation("closeTicket", "TicketChangeInput")
APPROVE = mutation("approveTicket", "ApproveTicketInput")
REJECT = mutation("rejectTicket", "TicketReasonInput")
SET_PRIORITY = mutation("setPriority", "SetPriorityInput")
ESCALATE = mutation("escalateTicket", "TicketReasonInput")
COMMENT = f"""mutation($input: AddCommentInput!) {{ addComment(input: $input) {{
  __typename ... on CommentAdded {{ comment {{ id body visibility author {{ username }} }}
  ticket {{ version }} }} {PROBLEMS} }} }}"""

READ = f"""query($id: ID!) {{ ticket(id: $id) {{ {TICKET}
  comments(first: 100) {{ edges {{ node {{ body visibility author {{ username }} }} }} }}
  history(first: 100) {{ edges {{ node {{ kind visibility data actor {{ username }} createdAt }} }} }}
}} }}"""


def nodes(connection: dict[str, Any]) -> list[dict[str, Any]]:
    """The nodes of a connection's page, in order."""
    return [edge["node"] for edge in connection["edges"]]


async def sub_service_gid(gql: Any, path: tuple[str, str, str], as_user: str = ADMIN) -> str:
    brick, service, sub = path
    data = await gql("query($c: String!) { brick(code: $c) { services { name subServices "
                     "{ id name } } } }", {"c": brick}, as_user=as_user)
    services = {s["name"]: s for s in data["brick"]["services"]}
    return next(ss["id"] for ss in services[service]["subServices"] if ss["name"] == sub)


async def open_via_api(gql: Any, as_user: str, path: tuple[str, str, str],
                       request_data: dict | None = None, **fields: Any) -> dict[str, Any]:
    """Open a ticket through GraphQL; returns the openTicket payload."""
    input = {"subServiceId": await sub_service_gid(gql, path), "title": "Help needed",
             "description": "Details", "requestData": request_data, **fields}
    return (await gql(OPEN, {"input": input}, as_user=as_user))["openTicket"]
