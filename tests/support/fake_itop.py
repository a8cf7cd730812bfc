"""A protocol-faithful fake of iTop's REST/JSON endpoint (webservices/rest.php, version 1.3).

HTTP 200 always with a JSON `code`; auth by user/password or token and the REST profile;
core/get|create|update|apply_stimulus, core/check_credentials, list_operations; error texts as a
real iTop 3.2.0 writes them. Tests can switch it down (connection refused or HTTP 503).
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from tests.support import fake_itop_model as m
from tests.support.live_server import LiveServer, SwitchableDesk

REST_USER, REST_PASSWORD, REST_TOKEN = "groupdesk-rest", "s3cret-Rest!", "tok-7f3a9c1e"
PORTAL_USER, PORTAL_PASSWORD = "portal-only", "portal-pass"
# A school agent working in iTop's own console (never over REST).
AGENT_USER, AGENT_NAME = "smorel", "Sacha Morel"
# A REST account that may read but not write UserRequests.
READER_USER, READER_PASSWORD = "rest-reader", "reader-pass"
NO_RIGHTS = ("Error: The current user does not have enough permissions for creating data of class "
             "UserRequest")
NOT_AUTHORIZED = ("Error: This user is not authorized to use the web services. (The profile REST "
                  "Services User is required to access the REST web services)")
OPERATIONS = ["list_operations", "core/check_credentials", "core/get", "core/create", "core/update",
              "core/apply_stimulus", "core/delete", "core/get_related"]


class FakeItop(SwitchableDesk):
    """An iTop with one organization, a few contacts and a team; UserRequests kept in memory."""

    def __init__(self, extra_fields: tuple[str, ...] = (), tz: str = "Europe/Paris") -> None:
        self.lock = threading.RLock()
        m.ZONE["tz"] = ZoneInfo(tz)
        self.users = {REST_USER: (REST_PASSWORD, {"REST Services User", "Service Desk Agent"}, 4),
                      PORTAL_USER: (PORTAL_PASSWORD, {"Portal user"}, 5),
                      AGENT_USER: ("agent-pass", {"Service Desk Agent"}, 6),
                      READER_USER: (READER_PASSWORD, {"REST Services User"}, 7)}
        # What case logs and change records show for each account: its contact's name.
        self.friendly = {REST_USER: "groupdesk integration", PORTAL_USER: "Portal only",
                         AGENT_USER: AGENT_NAME, READER_USER: "REST reader"}
        self.tokens = {REST_TOKEN: REST_USER}
        self.extra_fields = extra_fields
        self.objects: dict[str, dict[int, dict[str, Any]]] = {
            "Organization": {3: {"id": 3, "name": "INSA Rennes"}},
            "Person": {11: {"id": 11, "name": "Durand", "first_name": "Camille",
                            "email": "camille.durand@example.org", "org_id": 3},
                       12: {"id": 12, "name": "Morel", "first_name": "Sacha",
                            "email": "sacha.morel@example.org", "org_id": 3}},
            "Team": {21: {"id": 21, "name": "Group escalations", "org_id": 3}},
            # The service catalogue, with the fields of iTop's itop-service-mgmt data model (external
            # keys and their external fields; an empty external key is 0 and its name "").
            "ServiceFamily": {},
            "Service": {31: m.service(31, "Scenari", org=(3, "INSA Rennes"))},
            "ServiceSubcategory": {41: m.subcategory(41, "Account creation", (31, "Scenari", 3, "INSA Rennes"))},
            "UserRequest": {},
            # The history iTop keeps of every attribute change (status ones are what pollers read).
            "CMDBChangeOpSetAttributeScalar": {},
        }
        self.next_change = 900
        self.next_id = 56  # refs start at R-000056: real ones skip numbers too
        self.mode = "up"
        self.calls: list[dict[str, Any]] = []
        self.app = Starlette(routes=[Route("/webservices/rest.php", self.endpoint, methods=["GET", "POST"])])
        self.server = LiveServer(self.app)
        self.url = self.server.url

    # -- the service catalogue, as a group's iTop holds it ---------------------------------------
    def add_family(self, ident: int, name: str) -> None:
        with self.lock:
            self.objects["ServiceFamily"][ident] = {"id": ident, "name": name}

    def add_service(self, ident: int, name: str, *, family: int = 0, status: str | None = "production",
                    description: str = "", org: tuple[int, str] = (3, "INSA Rennes")) -> None:
        with self.lock:
            family_name = self.objects["ServiceFamily"][family]["name"] if family else ""
            self.objects["Service"][ident] = m.service(ident, name, family=(family, family_name),
                                                       status=status, description=description, org=org)

    def add_subcategory(self, ident: int, name: str, service: int, *, status: str | None = "production",
                        description: str = "", request_type: str = "service_request") -> None:
        with self.lock:
            parent = self.objects["Service"][service]
            self.objects["ServiceSubcategory"][ident] = m.subcategory(
                ident, name, (service, parent["name"], parent["org_id"], parent["organization_name"]),
                status=status, description=description, request_type=request_type)

    # -- inspection for tests (start/stop/down/up come from SwitchableDesk) ---------------------
    def ticket(self, ref: str) -> dict[str, Any]:
        """A copy of a UserRequest by ref."""
        with self.lock:
            for obj in self.objects["UserRequest"].values():
                if obj["ref"] == ref:
                    return copy.deepcopy(obj)
        raise KeyError(ref)

    def tickets_titled(self, prefix: str) -> list[dict[str, Any]]:
        with self.lock:
            return [copy.deepcopy(o) for o in self.objects["UserRequest"].values()
                    if o["title"].startswith(prefix)]

    def public_log(self, ref: str) -> list[str]:
        """Public log messages, oldest first."""
        return [e["message"] for e in reversed(self.ticket(ref)["public_log"])]

    def stimuli(self, ref: str) -> list[str]:
        """Stimuli applied to a ticket, in order."""
        with self.lock:
            return [c["stimulus"] for c in self.calls if c.get("stimulus") and c.get("ref") == ref]

    # -- what an agent does in iTop's console -----------------------------------------------------
    def agent_logs(self, ref: str, message: str, login: str = AGENT_USER) -> None:
        """An agent adds a public log entry from the console."""
        with self.lock:
            obj = self._one("UserRequest", {"ref": ref})
            m.set_caselog(obj, "public_log", message, self.friendly[login], self.users[login][2])
            obj["last_update"] = m.now()

    def agent_applies(self, ref: str, stimulus: str, login: str = AGENT_USER, **fields: Any) -> None:
        """An agent applies a stimulus from the console (fields filled in its form)."""
        with self.lock:
            obj = self._one("UserRequest", {"ref": ref})
            obj.update({k: str(v) for k, v in fields.items()})
            target = m.stimulus_check(obj, stimulus)
            self._status_change(obj, target, login)

    def agent_creates(self, title: str, login: str = AGENT_USER) -> str:
        """An agent opens a UserRequest in the console; returns its ref."""
        with self.lock:
            obj: dict[str, Any] = {f: None for f in m.USER_REQUEST_FIELDS + self.extra_fields}
            obj.update(status="new", origin="phone", request_type="service_request", urgency="4",
                       impact="1", resolution_code="assistance", public_log=[], private_log=[],
                       title=title, description=f"<p>{title}</p>", **{k: 0 for k in m.LINKS})
            obj["org_id"] = 3
            obj["id"], obj["ref"] = self.next_id, f"R-{self.next_id:06d}"
            self.next_id += 1
            obj["start_date"] = obj["last_update"] = m.now()
            m.compute_priority(obj)
            self.objects["UserRequest"][obj["id"]] = obj
            return str(obj["ref"])

    def _status_change(self, obj: dict[str, Any], target: str, login: str) -> None:
        self.next_change += 1
        when = m.now()
        self.objects["CMDBChangeOpSetAttributeScalar"][self.next_change] = {
            "id": self.next_change, "objclass": "UserRequest", "objkey": obj["id"], "attcode": "status",
            "oldvalue": obj["status"], "newvalue": target, "date": when, "userinfo": self.friendly[login]}
        obj["status"] = target
        if target in m.DATES:
            obj[m.DATES[target]] = when
        obj["last_update"] = when

    # -- HTTP -----------------------------------------------------------------------------------
    async def endpoint(self, request: Request) -> Response:
        if self.mode == "503":
            return PlainTextResponse("Service Unavailable", status_code=503)
        body = (await request.body()).decode()
        form = {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
        params = {**{k: v for k, v in request.query_params.items()}, **form}
        with self.lock:
            answer = self.handle(params)
        # iTop reports every outcome with HTTP 200 and a code in the JSON body.
        return JSONResponse(answer, status_code=200)

    def handle(self, params: Mapping[str, str]) -> dict[str, Any]:
        version = params.get("version")
        if not version:
            return {"code": 2, "message": "Missing parameter 'version'"}
        login = self._login(params)
        if isinstance(login, dict):
            return login
        if version not in ("1.0", "1.1", "1.2", "1.3"):
            return {"code": 10, "message": f"Unknown version '{version}'"}
        if "json_data" not in params:
            return {"code": 3, "message": "Missing parameter 'json_data'"}
        try:
            data = json.loads(params["json_data"])
            assert isinstance(data, dict)
        except (ValueError, AssertionError):
            return {"code": 4, "message": "Parameter json_data is not a valid JSON structure"}
        operation = data.get("operation")
        handler = {"list_operations": self.list_operations, "core/check_credentials": self.check_credentials,
                   "core/get": self.get, "core/create": self.create, "core/update": self.update,
                   "core/apply_stimulus": self.apply_stimulus}.get(str(operation))
        if handler is None:
            return {"code": 11, "message": f"Unknown verb '{operation}' in version '{version}'"}
        self.calls.append({"operation": operation, "login": login, **data})
        try:
            return handler(data, login)
        except m.ItopFailure as exc:
            return {"code": exc.code, "message": exc.message}

    def _login(self, params: Mapping[str, str]) -> str | dict[str, Any]:
        if params.get("auth_token"):
            login = self.tokens.get(params["auth_token"])
        elif "auth_user" in params:
            if "auth_pwd" not in params:
                return {"code": 6, "message": "Missing parameter 'auth_pwd'"}
            user = self.users.get(params["auth_user"])
            login = params["auth_user"] if user and user[0] == params["auth_pwd"] else None
        else:
            return {"code": 5, "message": "Missing parameter 'auth_user'"}
        if login is None:
            return {"code": 1, "message": "Error: Invalid login"}
        if "REST Services User" not in self.users[login][1]:
            return {"code": 1, "message": NOT_AUTHORIZED}
        return login

    def _may_write(self, login: str, action: str = "creating") -> None:
        """Writing UserRequests takes a support profile besides the REST one (checked first)."""
        if not self.users[login][1] & {"Service Desk Agent", "Support Agent", "Administrator"}:
            raise m.ItopFailure(NO_RIGHTS.replace("creating", action), code=1)

    # -- operations -------------------------------------------------------------------------------
    def list_operations(self, data: Mapping[str, Any], login: str) -> dict[str, Any]:
        ops = [{"verb": v, "description": v, "extension": "CoreServices"} for v in OPERATIONS]
        return {"code": 0, "message": f"Operations: {len(ops)}", "version": "1.3", "operations": ops}

    def check_credentials(self, data: Mapping[str, Any], login: str) -> dict[str, Any]:
        user = self.users.get(str(data.get("user")))
        return {"code": 0, "message": "", "authorized": bool(user and user[0] == data.get("password"))}

    def get(self, data: Mapping[str, Any], login: str) -> dict[str, Any]:
        cls = self._class(data)
        found = self._select(cls, self._param(data, "key"))
        objects = {f"{cls}::{o['id']}": m.render_object(cls, o, data.get("output_fields"), "")
                   for o in found}
        return {"objects": objects or None, "code": 0, "message": f"Found: {len(found)}"}

    def create(self, data: Mapping[str, Any], login: str) -> dict[str, Any]:
        cls = self._class(data)
        self._param(data, "comment")
        if cls != "UserRequest":
            raise m.ItopFailure(f"Error: this fake only creates UserRequest, not {cls}")
        self._may_write(login)
        obj: dict[str, Any] = {f: None for f in m.USER_REQUEST_FIELDS + self.extra_fields}
        obj.update(status="new", origin="phone", request_type="service_request", urgency="4",
                   impact="1", resolution_code="assistance", public_log=[], private_log=[],
                   **{k: 0 for k in m.LINKS})
        self._set_fields(obj, data.get("fields") or {}, login)
        nulls = [a for a in ("org_id", "title", "description") if not obj.get(a)]
        if nulls:
            raise m.ItopFailure("Error: " + ", ".join(
                f"Unexpected value for attribute '{m.LABELS[a]}' ({a}) : Null not allowed" for a in nulls))
        obj["id"], obj["ref"] = self.next_id, f"R-{self.next_id:06d}"
        self.next_id += 1
        obj["start_date"] = obj["last_update"] = m.now()
        m.compute_priority(obj)
        self.objects["UserRequest"][obj["id"]] = obj
        return self._written(cls, obj, data, "created")

    def update(self, data: Mapping[str, Any], login: str) -> dict[str, Any]:
        cls = self._class(data)
        self._param(data, "comment")
        self._may_write(login, "modifying")
        obj = self._one(cls, self._param(data, "key"))
        self._set_fields(obj, data.get("fields") or {}, login)
        m.compute_priority(obj)
        obj["last_update"] = m.now()
        return self._written(cls, obj, data, "updated")

    def apply_stimulus(self, data: Mapping[str, Any], login: str) -> dict[str, Any]:
        cls = self._class(data)
        self._param(data, "comment")
        stimulus = str(self._param(data, "stimulus"))
        self._may_write(login, "modifying")
        obj = self._one(cls, self._param(data, "key"))
        trial = copy.deepcopy(obj)  # the object is only saved if the whole call succeeds
        self._set_fields(trial, data.get("fields") or {}, login)
        target = m.stimulus_check(trial, stimulus)
        missing = m.missing_mandatory(trial, target)
        if missing:
            raise m.ItopFailure("Missing mandatory attribute(s) for applying the stimulus: "
                                + ", ".join(missing) + ".")
        status = trial["status"]
        obj.clear()
        obj.update(trial)
        obj["status"] = status
        self._status_change(obj, target, login)
        self.calls[-1]["ref"] = obj["ref"]
        return self._written(cls, obj, data, "applied stimulus")

    # -- helpers ----------------------------------------------------------------------------------
    @staticmethod
    def _param(data: Mapping[str, Any], name: str) -> Any:
        if name not in data:
            raise m.ItopFailure(f"Error: Missing parameter '{name}'")
        return data[name]

    def _class(self, data: Mapping[str, Any]) -> str:
        cls = str(self._param(data, "class"))
        if cls not in self.objects:
            raise m.ItopFailure(f"Error: Unknown class '{cls}'")
        return cls

    def _select(self, cls: str, key: Any) -> list[dict[str, Any]]:
        """GetObjectSetFromKey: every object matching an id, an OQL string or a criteria object."""
        pool = self.objects[cls].values()
        if isinstance(key, Mapping):
            return [o for o in pool if all(m.matches(o.get(a), "=", v) for a, v in key.items())]
        if isinstance(key, int) or (isinstance(key, str) and key.strip().isdigit()):
            return [o for o in pool if o["id"] == int(key)]
        oql_cls, conds = m.parse_oql(str(key))
        if oql_cls != cls:
            raise m.ItopFailure(f"Error: Wrong class for query: expecting '{cls}', got '{oql_cls}'")
        return [o for o in pool if all(m.matches(o.get(a), op, v) for a, op, v in conds)]

    def _one(self, cls: str, key: Any) -> dict[str, Any]:
        """FindObjectFromKey: exactly one object, or iTop's error text."""
        found = self._select(cls, key)
        if len(found) == 1:
            return found[0]
        if isinstance(key, Mapping):
            report = ", ".join(f"{a}: {v} ({v})" for a, v in key.items())
            what = f"with criteria: {report}"
        elif isinstance(key, int) or str(key).strip().isdigit():
            raise m.ItopFailure(f"Error: Invalid object {cls}::{key}")
        else:
            what = f"for query: {key}"
        if not found:
            raise m.ItopFailure(f"Error: No item found {what}")
        raise m.ItopFailure(f"Error: Several items found ({len(found)}) {what}")

    def _set_fields(self, obj: dict[str, Any], fields: Mapping[str, Any], login: str) -> None:
        for att, value in fields.items():
            if att not in obj or att in ("id", "ref", "status", "priority"):
                raise m.ItopFailure(f"Error: {att}: Unknown attribute" if att not in obj
                                    else f"Error: {att}: read-only attribute")
            if att in m.CASELOGS:
                m.set_caselog(obj, att, value, self.friendly[login], self.users[login][2])
            elif att in m.LINKS:
                obj[att] = self._link(att, value)
            else:
                obj[att] = value if value is None else str(value)

    def _link(self, att: str, value: Any) -> int:
        cls = m.LINKS[att]
        if value in (None, 0, "", "0"):
            return 0
        try:
            return int(self._one(cls, value)["id"])
        except m.ItopFailure as exc:
            raise m.ItopFailure(f"Error: {att}: {exc.message.removeprefix('Error: ')}") from None

    def _written(self, cls: str, obj: Mapping[str, Any], data: Mapping[str, Any], message: str) -> dict[str, Any]:
        out = m.render_object(cls, obj, data.get("output_fields"), message)
        return {"objects": {f"{cls}::{obj['id']}": out}, "code": 0, "message": None}
