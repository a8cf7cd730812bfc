"""The GraphQL layer only translates: no SQL and no access decision in schema/, one folder per domain."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "schema"
# The request's boundaries: they open, commit and close sessions (and the WebSocket registry's).
SESSION_OWNERS = {"context.py", "view.py", "socket_guard.py"}


def _runtime_imports(tree: ast.Module) -> list[str]:
    """Modules imported when the module runs (imports only for type checkers are left out)."""
    for_type_checkers = {id(inner) for node in ast.walk(tree)
                         if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
                         for stmt in node.body for inner in ast.walk(stmt)}
    found: list[str] = []
    for node in ast.walk(tree):
        if id(node) in for_type_checkers:
            continue
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.extend([node.module] + [f"{node.module}.{a.name}" for a in node.names])
    return found


def _modules() -> list[Path]:
    return sorted(p for p in SCHEMA.rglob("*.py") if "__pycache__" not in p.parts)


def test_schema_modules_build_no_sql_and_decide_no_access() -> None:
    offenders = []
    for path in _modules():
        name = path.relative_to(SCHEMA).as_posix()
        imported = _runtime_imports(ast.parse(path.read_text(encoding="utf-8")))
        for module in imported:
            if module == "tenants.policy" or module.startswith("tenants.policy."):
                offenders.append(f"{name}: imports {module} (access decisions belong to server/)")
            if (module == "sqlalchemy" or module.startswith("sqlalchemy.")) and name not in SESSION_OWNERS:
                offenders.append(f"{name}: imports {module} (SQL belongs to server/ query functions)")
    assert offenders == []


def test_the_structural_check_sees_what_it_forbids() -> None:
    sample = ast.parse("from sqlalchemy import select\nfrom tenants import policy\n"
                       "if TYPE_CHECKING:\n    from sqlalchemy.orm import Session\n"
                       "def f():\n    import tenants.policy\n")
    imported = _runtime_imports(sample)
    assert "sqlalchemy" in imported and "tenants.policy" in imported
    assert "sqlalchemy.orm" not in imported


def test_the_readme_layout_names_every_schema_domain_folder() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = readme.split("## Layout", 1)[1].split("\n## ", 1)[0]
    folders = sorted(p.name for p in SCHEMA.iterdir()
                     if p.is_dir() and (p / "__init__.py").exists())
    assert folders, "schema/ has no domain folder"
    missing = [f for f in folders if not re.search(rf"\b{f}/", layout)]
    assert missing == []
