"""The README's Layout section matches the tree: its folders exist, and it names every package."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def layout_block() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Layout\n", 1)[1]
    return section.split("```", 2)[1]


def test_the_layout_lists_exactly_the_top_level_folders_of_the_tree() -> None:
    listed = set(re.findall(r"^(\w+)/ ", layout_block(), re.MULTILINE))
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")}
    # Folders that hold code or data but are not importable packages.
    others = {name for name in ("alembic", "web", "docs") if (ROOT / name).is_dir()}
    assert listed == packages | others


def test_the_layout_names_every_domain_package_of_the_core() -> None:
    domains = re.search(r"a package per domain\s+\(([^)]*)\)", layout_block())
    assert domains is not None
    listed = {name.strip() for name in domains.group(1).split(",")}
    assert listed == {p.parent.name for p in (ROOT / "server").glob("*/__init__.py")}
