"""The graphql-http audit's Node.js tools, installed from the committed lock file (tests/graphql_http_audit).

`npm ci` runs when node_modules is missing or was installed from another lock file (the lock's hash is
kept beside it). `python -m tests.support.graphql_http_audit` installs them ahead of the suite (make test).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

AUDIT_DIR = Path(__file__).resolve().parents[1] / "graphql_http_audit"
LOCK = AUDIT_DIR / "package-lock.json"
INSTALLED_FROM = AUDIT_DIR / "node_modules" / ".groupdesk-lock-sha256"
MIN_NODE_MAJOR = 18


class NodeMissing(Exception):
    """Node.js or npm is absent or too old: the audit cannot run on this machine."""


def check_node() -> str:
    """The path of `node`, once node (>= 18) and npm are known to be there."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        raise NodeMissing("Node.js >= 18 and npm are needed for the GraphQL over HTTP audit (graphql-http); "
                          "install them (Debian: apt-get install nodejs npm)")
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    if int(version.lstrip("v").split(".")[0]) < MIN_NODE_MAJOR:
        raise NodeMissing(f"Node.js {version} is too old for the graphql-http audit: it needs >= {MIN_NODE_MAJOR}")
    return node


def lock_hash() -> str:
    return hashlib.sha256(LOCK.read_bytes()).hexdigest()


def ensure_installed() -> None:
    """`npm ci` from the committed lock, unless node_modules already came from this very lock."""
    check_node()
    wanted = lock_hash()
    if INSTALLED_FROM.is_file() and INSTALLED_FROM.read_text().strip() == wanted:
        return
    subprocess.run([shutil.which("npm") or "npm", "ci", "--no-audit", "--no-fund"], cwd=AUDIT_DIR,
                   check=True, timeout=600, env={**os.environ, "NO_UPDATE_NOTIFIER": "1"})
    INSTALLED_FROM.write_text(wanted + "\n")


if __name__ == "__main__":
    try:
        ensure_installed()
    except NodeMissing as exc:
        # The audit test says so too (and fails under CI): the rest of the suite can still run.
        print(f"note: {exc}", file=sys.stderr)
