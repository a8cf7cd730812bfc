"""In-memory iTop objects for the fake REST endpoint: keys, simple OQL, case logs, UserRequest lifecycle."""

from __future__ import annotations

import copy
import html
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo


class ItopFailure(Exception):
    """An operation failure; `message` is what iTop would put in the answer (code 100)."""

    def __init__(self, message: str, code: int = 100) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


# Written from iTop's ITIL UserRequest data model, independently of the connector's own table.
LIFECYCLE: dict[str, dict[str, str]] = {
    "new": {"ev_assign": "assigned", "ev_timeout": "escalated_tto",
            "ev_wait_for_approval": "waiting_for_approval", "ev_autoresolve": "resolved"},
    "escalated_tto": {"ev_assign": "assigned", "ev_autoresolve": "resolved"},
    "assigned": {"ev_pending": "pending", "ev_resolve": "resolved", "ev_reassign": "assigned",
                 "ev_timeout": "escalated_ttr", "ev_autoresolve": "resolved"},
    "escalated_ttr": {"ev_pending": "pending", "ev_resolve": "resolved", "ev_reassign": "assigned",
                      "ev_autoresolve": "resolved"},
    "waiting_for_approval": {"ev_approve": "approved", "ev_reject": "rejected"},
    "approved": {"ev_timeout": "escalated_tto", "ev_assign": "assigned", "ev_autoresolve": "resolved"},
    "rejected": {"ev_reopen": "new"},
    "pending": {"ev_assign": "assigned", "ev_autoresolve": "resolved"},
    "resolved": {"ev_close": "closed", "ev_reopen": "assigned", "ev_autoresolve": "resolved"},
    "closed": {},
}
# Mandatory attributes of each target state, in data-model order (links included).
MANDATORY: dict[str, list[str]] = {
    "assigned": ["org_id", "caller_id", "team_id", "agent_id"],
    "escalated_ttr": ["org_id", "caller_id", "team_id", "agent_id"],
    "pending": ["org_id", "caller_id", "team_id", "agent_id", "pending_reason"],
    "resolved": ["service_id", "team_id", "agent_id", "resolution_code", "solution"],
    "closed": ["service_id", "team_id", "agent_id", "resolution_code", "solution"],
}
DATES = {"assigned": "assignment_date", "pending": "last_pending_date",
         "resolved": "resolution_date", "closed": "close_date"}
# priority[impact][urgency], as UserRequest::ComputePriority.
PRIORITY = {1: {1: 1, 2: 1, 3: 2, 4: 4}, 2: {1: 1, 2: 2, 3: 3, 4: 4}, 3: {1: 2, 2: 3, 3: 3, 4: 4}}

LINKS = {"org_id": "Organization", "caller_id": "Person", "team_id": "Team", "agent_id": "Person",
         "service_id": "Service", "servicesubcategory_id": "ServiceSubcategory"}
CASELOGS = ("public_log", "private_log")
USER_REQUEST_FIELDS = (
    "id", "ref", "title", "description", "org_id", "caller_id", "status", "origin", "request_type",
    "urgency", "impact", "priority", "service_id", "servicesubcategory_id", "team_id", "agent_id",
    "pending_reason", "solution", "resolution_code", "public_log", "private_log", "start_date",
    "assignment_date", "last_pending_date", "resolution_date", "close_date", "last_update",
)
LABELS = {"org_id": "Organization", "title": "Title", "description": "Description"}


# iTop writes dates in its server's local time, without an offset (set per fake).
ZONE = {"tz": ZoneInfo("Europe/Paris")}


def service(ident: int, name: str, *, org: tuple[int, str], family: tuple[int, str] = (0, ""),
            status: str | None = "production", description: str = "") -> dict[str, Any]:
    """A Service: name, provider organization, family (both external keys), description, status
    (production | implementation | obsolete, or null)."""
    return {"id": ident, "name": name, "org_id": org[0], "organization_name": org[1],
            "servicefamily_id": family[0], "servicefamily_name": family[1],
            "description": description, "status": status}


def subcategory(ident: int, name: str, parent: tuple[int, str, int, str], *, status: str | None = "production",
                description: str = "", request_type: str = "service_request") -> dict[str, Any]:
    """A ServiceSubcategory: its Service (key, name, provider id and name), request_type
    (incident | service_request), status."""
    service_id, service_name, org_id, org_name = parent
    return {"id": ident, "name": name, "description": description, "service_id": service_id,
            "service_org_id": org_id, "service_name": service_name, "service_provider": org_name,
            "request_type": request_type, "status": status}


def now() -> str:
    """iTop's date format, in the server's local time."""
    return datetime.now(UTC).astimezone(ZONE["tz"]).strftime("%Y-%m-%d %H:%M:%S")


def matches(value: Any, op: str, expected: Any) -> bool:
    """MySQL-like comparison: case-insensitive strings, LIKE with % and _ and backslash escapes."""
    text = "" if value is None else str(value)
    if op == "LIKE":
        pattern, i = "", 0
        while i < len(expected):
            ch = expected[i]
            if ch == "\\" and i + 1 < len(expected):
                pattern += re.escape(expected[i + 1])
                i += 2
                continue
            pattern += ".*" if ch == "%" else "." if ch == "_" else re.escape(ch)
            i += 1
        return re.fullmatch(pattern, text, re.IGNORECASE | re.DOTALL) is not None
    if op in ("<", "<=", ">", ">="):
        left: Any = text
        right: Any = str(expected)
        if text.lstrip("-").isdigit() and right.lstrip("-").isdigit():
            left, right = int(text), int(right)
        return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]
    equal = text.casefold() == str(expected).casefold()
    return equal if op == "=" else not equal


_OQL = re.compile(r"^\s*SELECT\s+(\w+)(?:\s+WHERE\s+(.+?))?\s*$", re.IGNORECASE | re.DOTALL)
_COND = re.compile(
    r"\s*(\w+)\s*(>=|<=|!=|=|>|<|LIKE)\s*('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|-?\d+)\s*(?:AND\b|$)",
    re.IGNORECASE | re.DOTALL,
)


def parse_oql(oql: str) -> tuple[str, list[tuple[str, str, str]]]:
    """The class and `attr op literal` conditions of `SELECT C [WHERE c AND c ...]`."""
    found = _OQL.match(oql)
    if not found:
        raise ItopFailure(f"Error: OQL syntax error in: {oql}")
    cls, where = found.group(1), found.group(2) or ""
    conds, pos = [], 0
    while pos < len(where):
        cond = _COND.match(where, pos)
        if not cond:
            raise ItopFailure(f"Error: OQL syntax error (this fake only knows =, !=, <, <=, >, >= and LIKE): {oql}")
        literal = cond.group(3)
        if literal[0] in "'\"":
            # OQL unescapes backslash sequences inside string literals.
            literal = re.sub(r"\\(.)", r"\1", literal[1:-1])
        conds.append((cond.group(1), cond.group(2).upper(), literal))
        pos = cond.end()
    return cls, conds


def caselog_entry(message: str, fmt: str, login: str, user_id: int) -> dict[str, Any]:
    """One case log entry as iTop's REST layer shows it."""
    if fmt == "html":
        text, markup = re.sub(r"<[^>]+>", "", message), message
    else:
        text, markup = message, html.escape(message).replace("\n", "<br/>")
    return {"date": now(), "user_login": login, "user_id": str(user_id), "message": text,
            "message_html": markup}


def set_caselog(obj: dict[str, Any], att: str, value: Any, login: str, user_id: int) -> None:
    """add_item appends (newest first, as iTop shows them); items replaces; a string appends."""
    entries: list[dict[str, Any]] = obj[att]
    if isinstance(value, str):
        entries.insert(0, caselog_entry(value, "text", login, user_id))
    elif isinstance(value, Mapping) and "add_item" in value:
        item = value["add_item"]
        entries.insert(0, caselog_entry(item["message"], item.get("format", "text"), login, user_id))
    elif isinstance(value, Mapping) and "items" in value:
        obj[att] = [caselog_entry(i["message"], i.get("format", "text"), i.get("user_login", login),
                                  user_id) for i in value["items"]]
    else:
        raise ItopFailure(f"Error: {att}: wrong format for a case log")


def stimulus_check(obj: dict[str, Any], stimulus: str) -> str:
    """The target state, or iTop's refusal for an invalid stimulus."""
    target = LIFECYCLE[obj["status"]].get(stimulus)
    if target is None:
        raise ItopFailure(f"Invalid stimulus: '{stimulus}' on the object {obj['ref']} in state "
                          f"'{obj['status']}'")
    return target


def missing_mandatory(obj: dict[str, Any], target: str) -> list[str]:
    """Like PHP 8's `Get($att) == ''`: empty strings fail, empty links (0) pass."""
    return [att for att in MANDATORY.get(target, []) if obj.get(att) is None or obj.get(att) == ""]


def compute_priority(obj: dict[str, Any]) -> None:
    """UserRequest::ComputeValues: priority from impact and urgency."""
    obj["priority"] = str(PRIORITY[int(obj["impact"])][int(obj["urgency"])])


def render_object(cls: str, obj: Mapping[str, Any], output_fields: Any, message: str) -> dict[str, Any]:
    """One entry of `objects`: only the output_fields asked for (all of them by default)."""
    names = str(output_fields or "*").replace(" ", "").split(",")
    if "*" in names or "*+" in names:
        names = list(obj)
    fields: dict[str, Any] = {}
    for name in names:
        if name not in obj:
            raise ItopFailure(f"Error: output_fields: invalid attribute code '{name}'")
        value = obj[name]
        if name in CASELOGS:
            value = {"entries": copy.deepcopy(value)}
        elif isinstance(value, int):
            value = str(value)  # iTop serialises ids and keys as strings
        fields[name] = value
    return {"code": 0, "message": message, "class": cls, "key": str(obj["id"]), "fields": fields}
