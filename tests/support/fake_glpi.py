"""A fake of GLPI's legacy REST API (apirest.php) written from GLPI's apirest.md.

initSession/killSession/getFullSession, App-Token and Session-Token checks with the documented
`["ERROR_…", "text"]` answers, Ticket CRUD, ITILFollowup, ITILSolution, search/Ticket.
Tests can expire every session, or switch it down (connection refused or HTTP 503).
"""

from __future__ import annotations

import copy
import json
import re
import secrets
import threading
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from tests.support.live_server import LiveServer, SwitchableDesk

APP_TOKEN, USER_TOKEN, LOGIN = "app-5d1c0ffee", "user-9b7e4a21", "groupdesk-api"
API_USER_ID = 7  # the account the API logs in as (getFullSession's glpiID)
AGENT_ID, AGENT_FIRST, AGENT_LAST = 9, "Léa", "Garnier"  # a technician working in GLPI's own UI
WAITING, ACCEPTED, REFUSED = 2, 3, 4  # solution approval states (CommonITILValidation)


def error(status: int, code: str, text: str) -> JSONResponse:
    """GLPI's error shape: a two-element array."""
    return JSONResponse([code, text], status_code=status)


# GLPI writes dates in its server's local time, without an offset.
ZONE = {"tz": ZoneInfo("Europe/Paris")}


def now() -> str:
    return datetime.now(UTC).astimezone(ZONE["tz"]).strftime("%Y-%m-%d %H:%M:%S")


def text_matches(value: Any, searchtype: str, wanted: str) -> bool:
    """Search engine semantics: `contains` is LIKE %v% (^ and $ anchor it), `equals` is exact."""
    text = str(value)
    if searchtype == "equals":
        return text == wanted
    if searchtype == "notequals":
        return text != wanted
    if searchtype in ("morethan", "lessthan"):  # dates and numbers
        return text > wanted if searchtype == "morethan" else text < wanted
    anchored = re.fullmatch(r"(\^?)(.*?)(\$?)", wanted, re.DOTALL)
    assert anchored is not None
    core = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in anchored.group(2).strip())
    pattern = ("" if anchored.group(1) else ".*") + core + ("" if anchored.group(3) else ".*")
    return re.fullmatch(pattern, text, re.IGNORECASE | re.DOTALL) is not None


class FakeGlpi(SwitchableDesk):
    """One entity, tickets, followups and solutions in memory."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.sessions: set[str] = set()
        self.tickets: dict[int, dict[str, Any]] = {}
        self.followups: dict[int, dict[str, Any]] = {}
        self.solutions: dict[int, dict[str, Any]] = {}
        self.next_id = {"Ticket": 12, "ITILFollowup": 100, "ITILSolution": 500}
        self.mode = "up"
        self.init_count = 0
        self.kill_count = 0
        self.statuses: dict[int, list[int]] = {}
        # The entity tree and ITIL categories the mappings name (id 0 is the root entity).
        self.items = {"Entity": {0: {"id": 0, "name": "Root entity"}, 4: {"id": 4, "name": "INSA Lyon"}},
                      "ITILCategory": {7: {"id": 7, "name": "Scenari"}}}
        # The active profile's rights as getFullSession lists them (profile right name -> bit mask):
        # tickets read all / update / create / assign..., followups see public / add to all, users read.
        self.profile_rights = {"ticket": 1 | 2 | 4 | 1024 | 2048 | 4096 | 8192 | 16384 | 32768 | 65536,
                               "followup": 1 | 2 | 4 | 1024 | 2048 | 4096 | 8192, "user": 1}
        self.users = {API_USER_ID: {"id": API_USER_ID, "name": LOGIN, "firstname": "", "realname": ""},
                      5: {"id": 5, "name": "escalations", "firstname": "Group", "realname": "Escalations"},
                      AGENT_ID: {"id": AGENT_ID, "name": "lgarnier", "firstname": AGENT_FIRST,
                                 "realname": AGENT_LAST}}
        self.app = Starlette(routes=[Route("/apirest.php/{path:path}", self.endpoint,
                                           methods=["GET", "POST", "PUT", "DELETE"])])
        self.server = LiveServer(self.app)
        self.url = self.server.url

    # -- inspection for tests (start/stop/down/up come from SwitchableDesk) ---------------------
    def expire_sessions(self) -> None:
        """What GLPI's PHP session garbage collector does to idle sessions."""
        with self.lock:
            self.sessions.clear()

    def ticket(self, tid: int | str) -> dict[str, Any]:
        with self.lock:
            return copy.deepcopy(self.tickets[int(tid)])

    def followups_of(self, tid: int | str) -> list[str]:
        with self.lock:
            return [f["content"] for f in self.followups.values() if f["items_id"] == int(tid)]

    def solutions_of(self, tid: int | str) -> list[dict[str, Any]]:
        with self.lock:
            return [copy.deepcopy(s) for s in self.solutions.values() if s["items_id"] == int(tid)]

    def tickets_named(self, prefix: str) -> list[dict[str, Any]]:
        with self.lock:
            return [copy.deepcopy(t) for t in self.tickets.values() if t["name"].startswith(prefix)]

    # -- what a technician does in GLPI's own interface ------------------------------------------
    def agent_follows_up(self, tid: int | str, content: str) -> None:
        with self.lock:
            cid = self._new_id("ITILFollowup")
            self.followups[cid] = {"id": cid, "itemtype": "Ticket", "items_id": int(tid), "content": content,
                                   "is_private": 0, "date": now(), "users_id": AGENT_ID}
            self.tickets[int(tid)]["date_mod"] = now()

    def agent_solves(self, tid: int | str, content: str) -> None:
        with self.lock:
            cid = self._new_id("ITILSolution")
            self.solutions[cid] = {"id": cid, "itemtype": "Ticket", "items_id": int(tid), "content": content,
                                   "date": now(), "users_id": AGENT_ID, "status": WAITING}
            self._move(self.tickets[int(tid)], 5)
            self.tickets[int(tid)]["date_mod"] = now()

    # -- HTTP -----------------------------------------------------------------------------------
    async def endpoint(self, request: Request) -> Response:
        if self.mode == "503":
            return PlainTextResponse("Service Unavailable", status_code=503)
        body = await request.body()
        with self.lock:
            return self.handle(request, body)

    def handle(self, request: Request, body: bytes) -> Response:
        path = request.path_params["path"].strip("/")
        app_token = request.headers.get("App-Token")
        if app_token is None:
            return error(400, "ERROR_APP_TOKEN_PARAMETERS_MISSING", "missing parameter app_token")
        if app_token != APP_TOKEN:
            return error(400, "ERROR_WRONG_APP_TOKEN_PARAMETER", "parameter app_token seems wrong")
        if request.method == "GET" and body:
            return error(400, "ERROR_JSON_PAYLOAD_FORBIDDEN", "GET Request should not have json payload (http body)")
        if path == "initSession":
            return self.init_session(request)
        session = request.headers.get("Session-Token")
        if not session:
            return error(400, "ERROR_SESSION_TOKEN_MISSING", "parameter session_token is missing or empty")
        if session not in self.sessions:
            return error(401, "ERROR_SESSION_TOKEN_INVALID", "session_token seems invalid")
        payload = json.loads(body) if body else {}
        parts = path.split("/")
        if path == "killSession":
            self.sessions.discard(session)
            self.kill_count += 1
            return Response(status_code=200)
        if parts[0] in self.items and len(parts) == 2 and parts[1].isdigit() and request.method == "GET":
            item = self.items[parts[0]].get(int(parts[1]))
            return JSONResponse(item) if item else error(404, "ERROR_ITEM_NOT_FOUND", "Item not found")
        if parts[0] == "User" and len(parts) == 2 and parts[1].isdigit() and request.method == "GET":
            user = self.users.get(int(parts[1]))
            return JSONResponse(user) if user else error(404, "ERROR_ITEM_NOT_FOUND", "Item not found")
        if path == "getFullSession":
            return JSONResponse({"session": {"glpiID": API_USER_ID, "glpiname": LOGIN,
                                             "glpiactiveprofile": {"id": 6, "name": "Technician",
                                                                   **self.profile_rights}}})
        if path == "search/Ticket":
            return self.search(request)
        if parts[0] == "Ticket":
            return self.ticket_route(request.method, parts[1:], payload)
        if parts[0] in ("ITILFollowup", "ITILSolution") and request.method == "POST" and len(parts) == 1:
            return self.add_child(parts[0], payload.get("input"))
        return error(400, "ERROR_RESOURCE_NOT_FOUND_NOR_COMMONDBTM",
                     "resource not found or not an instance of CommonDBTM")

    def init_session(self, request: Request) -> Response:
        auth = request.headers.get("Authorization", "")
        if not auth:
            return error(400, "ERROR_LOGIN_PARAMETERS_MISSING",
                         "parameter(s) login, password or user_token are missing")
        if auth != f"user_token {USER_TOKEN}":
            return error(401, "ERROR_GLPI_LOGIN_USER_TOKEN", "parameter user_token seems invalid")
        token = secrets.token_hex(16)
        self.sessions.add(token)
        self.init_count += 1
        return JSONResponse({"session_token": token})

    def ticket_route(self, method: str, rest: list[str], payload: dict[str, Any]) -> Response:
        if method == "POST" and not rest:
            return self.add_ticket(payload.get("input"))
        tid = int(rest[0]) if rest and rest[0].isdigit() else None
        if tid is None or tid not in self.tickets:
            return error(404, "ERROR_ITEM_NOT_FOUND", "Item not found")
        ticket = self.tickets[tid]
        if method == "GET" and len(rest) == 1:
            return JSONResponse(dict(ticket, links=[{"rel": "Entity", "href": f"{self.url}/apirest.php/Entity/0"}]))
        if method == "GET" and len(rest) == 2 and rest[1] in ("ITILFollowup", "ITILSolution"):
            pool = self.followups if rest[1] == "ITILFollowup" else self.solutions
            return JSONResponse([c for c in pool.values() if c["items_id"] == tid])
        if method == "PUT" and len(rest) == 1:
            return self.update_ticket(ticket, (payload.get("input") or {}))
        return error(400, "ERROR_METHOD_NOT_ALLOWED", "Method not allowed")

    def add_ticket(self, data: Any) -> Response:
        if not isinstance(data, dict) or not (data.get("name") or data.get("content")):
            return error(400, "ERROR_GLPI_ADD", "You must fill in a title or a description")
        tid = self._new_id("Ticket")
        self.tickets[tid] = {
            "id": tid, "entities_id": int(data.get("entities_id", 0)), "name": str(data.get("name", "")),
            "content": str(data.get("content", "")), "status": 1, "type": int(data.get("type", 1)),
            "urgency": int(data.get("urgency", 3)), "impact": int(data.get("impact", 3)),
            "priority": int(data.get("priority", 3)), "itilcategories_id": int(data.get("itilcategories_id", 0)),
            "date": now(), "date_mod": now(), "solvedate": None, "closedate": None,
            "assigned_users": [], "assigned_groups": [],
        }
        self.statuses[tid] = [1]
        return JSONResponse({"id": tid, "message": ""}, status_code=201,
                            headers={"Location": f"{self.url}/apirest.php/Ticket/{tid}"})

    def update_ticket(self, ticket: dict[str, Any], data: dict[str, Any]) -> Response:
        tid = ticket["id"]
        if "status" in data:
            status = int(data["status"])
            if status not in range(1, 7):
                return JSONResponse([{str(tid): False, "message": "Invalid status"}], status_code=400)
            self._move(ticket, status)
        for key, target in (("_users_id_assign", "assigned_users"), ("_groups_id_assign", "assigned_groups")):
            if key in data and data[key] not in ticket[target]:
                ticket[target].append(data[key])
        for key in ("name", "content", "urgency", "impact", "priority", "itilcategories_id"):
            if key in data:
                ticket[key] = data[key]
        ticket["date_mod"] = now()
        return JSONResponse([{str(tid): True, "message": ""}])

    def _move(self, ticket: dict[str, Any], status: int) -> None:
        old = ticket["status"]
        pending = [s for s in self.solutions.values() if s["items_id"] == ticket["id"] and s["status"] == WAITING]
        if old == 5 and status < 5:
            for solution in pending:
                solution["status"] = REFUSED  # reopening refuses the proposed solution
        if status == 6:
            for solution in pending:
                solution["status"] = ACCEPTED
            ticket["closedate"] = now()
        if status == 5:
            ticket["solvedate"] = now()
        ticket["status"] = status
        self.statuses[ticket["id"]].append(status)

    def add_child(self, itemtype: str, data: Any) -> Response:
        if not isinstance(data, dict) or data.get("itemtype") != "Ticket":
            return error(400, "ERROR_GLPI_ADD", "Bad itemtype")
        ticket = self.tickets.get(int(data.get("items_id", 0)))
        if ticket is None or not str(data.get("content", "")).strip():
            return error(400, "ERROR_GLPI_ADD", "You don't have permission to perform this action.")
        if itemtype == "ITILSolution" and ticket["status"] in (5, 6):
            return error(400, "ERROR_GLPI_ADD", "The item is already solved")
        cid = self._new_id(itemtype)
        pool = self.followups if itemtype == "ITILFollowup" else self.solutions
        pool[cid] = {"id": cid, "itemtype": "Ticket", "items_id": ticket["id"], "content": data["content"],
                     "is_private": int(data.get("is_private", 0)), "date": now(), "users_id": API_USER_ID}
        ticket["date_mod"] = now()
        if itemtype == "ITILSolution":
            pool[cid]["status"] = WAITING
            self._move(ticket, 5)  # adding a solution solves the ticket
        return JSONResponse({"id": cid, "message": ""}, status_code=201)

    def search(self, request: Request) -> Response:
        query = request.query_params
        criteria: dict[str, dict[str, str]] = {}
        display: list[str] = []
        for key, value in query.multi_items():
            if found := re.fullmatch(r"criteria\[(\d+)\]\[(\w+)\]", key):
                criteria.setdefault(found.group(1), {})[found.group(2)] = value
            elif re.fullmatch(r"forcedisplay\[\d+\]", key):
                display.append(value)
        columns = {"1": "name", "2": "id", "12": "status", "19": "date_mod", "21": "content",
                   "80": "entities_id"}
        rows = []
        for ticket in sorted(self.tickets.values(), key=lambda t: t["name"]):
            if all(text_matches(ticket[columns[c["field"]]], c.get("searchtype", "contains"), c.get("value", ""))
                   for c in criteria.values()):
                shown = {"1", "2", "80", *display, *(c["field"] for c in criteria.values())}
                rows.append({f: ticket[columns[f]] for f in sorted(shown) if f in columns})
        start, end = (int(x) for x in query.get("range", "0-49").split("-"))
        page = rows[start : end + 1]
        answer: dict[str, Any] = {"totalcount": len(rows), "count": len(page), "sort": [1], "order": ["ASC"]}
        if page:
            wanted = query.get("withindexes") in ("1", "true")
            answer["data"] = {str(r["2"]): r for r in page} if wanted else page
        answer["content-range"] = f"{start}-{start + len(page) - 1}/{len(rows)}"
        return JSONResponse(answer, status_code=200 if len(page) == len(rows) else 206,
                            headers={"Content-Range": answer["content-range"], "Accept-Range": "990"})

    def _new_id(self, itemtype: str) -> int:
        self.next_id[itemtype] += 1
        return self.next_id[itemtype]
