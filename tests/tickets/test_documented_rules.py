"""The README states the same workflow and routing rules as the code."""

from __future__ import annotations

from pathlib import Path

from server.tickets.routing import RULES
from server.tickets.workflow import describe_rules

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_readme_lists_every_workflow_rule() -> None:
    missing = [line for line in describe_rules() if line not in README]
    assert missing == [], "README.md's lifecycle block is out of date"


def test_readme_lists_the_numbered_routing_rules() -> None:
    numbered = [rule for rule in RULES if rule[0].isdigit()]
    missing = [rule for rule in numbered if rule not in README]
    assert missing == [], "README.md's routing rules are out of date"
