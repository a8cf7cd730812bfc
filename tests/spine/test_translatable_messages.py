"""Every message a person reads through the API is a `Message`, so that it follows the reader's language.

An AST scan of the packages that raise what the GraphQL boundary answers: a plain string or an f-string
where a message belongs (a domain error, a field's problem, a GraphQL error, a payload's message, a
WebSocket close reason) would reach French schools in English. Texts meant for operators (settings,
the federation file, the CLI, logs) are other exceptions and are not scanned; the few plain strings
that are deliberately English are allow-listed below with the reason.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from server.errors import KIND_NAMES

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("server", "schema", "tenants", "groupdesk")

# Where the message is, per constructor: positional indexes and keywords.
CARRIERS: dict[str, tuple[tuple[int, ...], tuple[str, ...]]] = {
    "PermissionDenied": ((0,), ("message",)),
    "Conflict": ((0,), ("message",)),
    "GraphQLError": ((0,), ("message",)),
    "Unauthenticated": ((0,), ("message",)),
    "FieldError": ((1,), ("message",)),
    "FieldProblem": ((), ("message",)),
    "ActionNotAllowed": ((), ("who", "why", "message")),
    "NotFound": ((), ("message",)),
    "ValidationFailed": ((0,), ("errors", "message")),
}
# Collectors of field problems: `checks.add("title", "required")`, `reader.problem(...)`.
COLLECTORS = {"add", "problem"}
# A WebSocket closed with a reason its holder reads.
CLOSERS = {"close"}

SCIM = "SCIM answers the provisioning IdP (RFC 7644 `detail` in its logs), not a person's language"
FEDERATION_FILE = ("the federation file is checked for the operator who loads it (groupdesk load, catalog "
                   "sync): English, like the CLI and the logs")
# path (a file, or a folder ending in /) -> why its plain strings are English on purpose.
ENGLISH_ON_PURPOSE = {
    "server/scim/": SCIM,
    "tenants/federation/": FEDERATION_FILE,
    "tenants/desks/settings.py": FEDERATION_FILE + " (a school's desk entry)",
}


def _name(func: ast.expr) -> str | None:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def _plain(node: ast.expr) -> bool:
    """A text built as a plain str: a literal, an f-string, `+`/`%`, `.format` or `.join`."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and bool(node.value.strip())
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
        return _plain(node.left) or _plain(node.right)
    if isinstance(node, ast.IfExp):
        return _plain(node.body) or _plain(node.orelse)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in {"format", "join"}:
        return isinstance(node.func.value, ast.Constant)
    return False


def _message_arguments(call: ast.Call, where: tuple[tuple[int, ...], tuple[str, ...]]) -> Iterator[ast.expr]:
    positions, keywords = where
    for index in positions:
        if index < len(call.args):
            yield call.args[index]
    for keyword in call.keywords:
        if keyword.arg in keywords:
            yield keyword.value


def _validation_dicts(function: ast.AST) -> set[str]:
    """Names passed whole to ValidationFailed (or a subclass) in one function: `raise ValidationFailed(problems)`."""
    return {call.args[0].id for call in ast.walk(function) if isinstance(call, ast.Call)
            and (_name(call.func) or "").endswith(("ValidationFailed", "Invalid"))
            and call.args and isinstance(call.args[0], ast.Name)}


def offences(source: str) -> Iterator[tuple[int, str]]:
    """(line, what) for each plain text where a message belongs."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _name(node.func)
            if name in CARRIERS:
                for argument in _message_arguments(node, CARRIERS[name]):
                    values = argument.values if isinstance(argument, ast.Dict) else [argument]
                    for value in values:
                        if value is not None and _plain(value):
                            yield node.lineno, f"{name}({ast.unparse(value)[:60]})"
            if name == "NotFound" and node.args and isinstance(node.args[0], ast.Constant):
                if node.args[0].value not in KIND_NAMES:
                    yield node.lineno, f"NotFound kind {node.args[0].value!r} has no entry in KIND_NAMES"
            if (name in COLLECTORS and isinstance(node.func, ast.Attribute) and len(node.args) == 2
                    and _plain(node.args[1])):
                yield node.lineno, f".{name}({ast.unparse(node.args[1])[:60]})"
            if name in CLOSERS:
                for keyword in node.keywords:
                    if keyword.arg == "reason" and _plain(keyword.value):
                        yield node.lineno, f"close(reason={ast.unparse(keyword.value)[:60]})"
                if len(node.args) == 1 and _plain(node.args[0]):
                    yield node.lineno, f"close({ast.unparse(node.args[0])[:60]})"
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            collected = _validation_dicts(node)
            for assign in ast.walk(node):
                if (isinstance(assign, ast.Assign) and _plain(assign.value) and any(
                        isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name) and t.value.id in collected
                        for t in assign.targets)):
                    yield assign.lineno, f"field problem {ast.unparse(assign.value)[:60]}"


def _scanned() -> Iterator[tuple[str, str]]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = str(path.relative_to(ROOT))
            if not any(relative == allowed or (allowed.endswith("/") and relative.startswith(allowed))
                       for allowed in ENGLISH_ON_PURPOSE):
                yield relative, path.read_text()


def test_every_message_read_through_the_api_is_translatable() -> None:
    found = [f"{path}:{line}: {what}" for path, source in _scanned() for line, what in offences(source)]
    assert found == []


def test_the_allow_list_names_files_that_exist() -> None:
    assert all((ROOT / path).is_dir() if path.endswith("/") else (ROOT / path).is_file()
               for path in ENGLISH_ON_PURPOSE)


def test_the_scan_catches_each_way_of_writing_a_plain_message() -> None:
    source = '''
def f(x, checks, websocket):
    raise PermissionDenied("only admins")
    raise Conflict(f"{x} is taken")
    raise GraphQLError("bad " + x)
    raise ValidationFailed({"field": "required"})
    raise NotFound("gizmo", x)
    raise ActionNotAllowed("APPROVE", "NEW", [], why=": no")
    checks.add("title", "too long")
    websocket.close(code=4403, reason="bye")

def g(x):
    problems = {}
    problems["when"] = "in the past"
    raise ValidationFailed(problems)
'''
    assert sorted(line for line, _ in offences(source)) == [3, 4, 5, 6, 7, 8, 9, 10, 14]
    kept = '''
def f(x, checks):
    raise PermissionDenied(Message("only admins"))
    raise ValidationFailed({"field": Message("required")})
    raise NotFound("ticket", x)
    raise ActionNotAllowed("APPROVE", "NEW", [], why=Message(": no"))
    checks.add("title", Message("too long"))
    session.add(row)
'''
    assert list(offences(kept)) == []
