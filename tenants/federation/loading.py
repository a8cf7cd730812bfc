"""Turning a federation file's text into a `Federation`, or every issue found in it."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from tenants.federation.catalog import read_bricks
from tenants.federation.experts import read_designations
from tenants.federation.fields import IssueLog, Record
from tenants.federation.located import Located, LineLoader, describe_error, line_of_error
from tenants.federation.people import read_tenants, read_users
from tenants.federation.service_levels import read_service_levels
from tenants.federation.specs import Federation, FederationInvalid

TOP_FIELDS = ("federation", "tenants", "users", "bricks", "experts", "service_levels")


def parse_federation(text: str, *, filename: str = "<string>") -> Federation:
    """Parse a federation file's text; raise FederationInvalid listing every issue."""
    log = IssueLog(filename)
    root = _compose(text, log)
    federation = None if root is None else _read(root, log)
    if log.issues or federation is None:
        raise FederationInvalid(log.sorted())
    return federation


def load_federation(path: str | os.PathLike[str]) -> Federation:
    """Read and parse a federation file; issues name the path as given."""
    filename = os.fspath(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        log = IssueLog(filename)
        log.add(None, "", f"not UTF-8 text ({error.reason} at byte {error.start})")
        raise FederationInvalid(log.issues) from None
    return parse_federation(text, filename=filename)


def demo_federation_path() -> Path:
    """The demo federation of the INSA group, shipped with the package."""
    return Path(__file__).resolve().parent.parent / "federations" / "insa.yaml"


def _compose(text: str, log: IssueLog) -> Located | None:
    """The located tree of the document; None, with an issue, when YAML can't read it."""
    try:
        # The reader checks for unprintable characters as soon as the loader is made.
        loader = LineLoader(text)
        try:
            root = loader.located_document()
        finally:
            loader.dispose()
    except yaml.YAMLError as error:
        log.add(line_of_error(error, text), "", f"invalid YAML: {describe_error(error)}")
        return None
    if root is None:
        log.add(1, "", "the file is empty; expected a mapping starting with 'federation: <name>'")
    return root


def _read(root: Located, log: IssueLog) -> Federation | None:
    """Read all sections, each checked against those it refers to."""
    top = Record.open(log, root, "", TOP_FIELDS)
    if top is None:
        return None
    name = top.text("federation")
    tenants = read_tenants(top)
    users = read_users(top, tenants)
    catalogue = read_bricks(top)
    designations = read_designations(top, users, catalogue)
    levels = read_service_levels(top, tenants)
    return Federation(name=name, tenants=tuple(tenants.specs), users=tuple(users.specs),
                      bricks=tuple(catalogue.specs), designations=tuple(designations),
                      calendar=levels.calendar, default_targets=levels.targets)
