"""Only the boundaries listed in server/db.py's docstring commit or roll back; services only flush."""

from __future__ import annotations

import re
from pathlib import Path

import server.db

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("groupdesk", "schema", "server", "tenants")
# What ends a transaction: a commit, a roll-back, a writer session (which does both), or a
# `begin()` block (which commits on exit). Savepoints (`begin_nested`) do not match.
ENDS_A_TRANSACTION = re.compile(r"\.commit\(|\.rollback\(|(?<!def )writer_session\(|\.begin\(\)")
LISTED = re.compile(r"^- `([\w/]+\.py)`: \S", re.MULTILINE)


def documented() -> set[str]:
    assert server.db.__doc__ is not None
    return set(LISTED.findall(server.db.__doc__))


def committing() -> set[str]:
    found = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if ENDS_A_TRANSACTION.search(path.read_text(encoding="utf-8")):
                found.add(path.relative_to(ROOT).as_posix())
    return found


def test_every_module_that_commits_is_a_listed_boundary_and_every_listed_one_commits() -> None:
    listed = documented()
    assert len(listed) >= 10, "the list of boundaries in server/db.py's docstring was not found"
    assert committing() - listed == set(), "commits outside the listed boundaries (services flush)"
    assert listed - committing() == set(), "listed as boundaries but no longer commit: update the list"


def test_the_scan_sees_each_way_of_ending_a_transaction() -> None:
    for line in ("await session.commit()", "await connection.rollback()",
                 "async with writer_session(sessions) as session:", "async with sessions.begin():"):
        assert ENDS_A_TRANSACTION.search(line), line
    for line in ("async with session.begin_nested():", "async def writer_session(", "await session.flush()"):
        assert not ENDS_A_TRANSACTION.search(line), line
