"""The `groupdesk` command as an operator runs it: a real process, real files, real exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from server.identity.local_issuer import LocalIssuer

ROOT = Path(__file__).resolve().parents[2]


def run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    # PYTHONPATH: the checkout under test, not whichever copy the virtualenv has installed.
    environ = {**os.environ, "GROUPDESK_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}",
               "GROUPDESK_DEV_ISSUER_KEY_FILE": str(tmp_path / "key.json"), "PYTHONPATH": str(ROOT),
               **env}
    if "GROUPDESK_ENV" not in env:
        environ.pop("GROUPDESK_ENV", None)
    return subprocess.run([sys.executable, "-m", "groupdesk.cli", *args], cwd=tmp_path, env=environ,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("command", [[], ["serve"], ["migrate"], ["load"], ["token"]])
def test_every_command_has_help(command: list[str], tmp_path: Path) -> None:
    result = run([*command, "--help"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "usage: groupdesk" in result.stdout


def test_migrate_load_and_token_from_an_empty_directory(tmp_path: Path) -> None:
    assert run(["migrate"], tmp_path).returncode == 0
    demo = str(ROOT / "tenants" / "federations" / "insa.yaml")
    loaded = run(["load", demo], tmp_path)
    assert loaded.returncode == 0, loaded.stderr
    assert "imported" in loaded.stdout
    again = run(["load", demo], tmp_path)
    assert "nothing changed" in again.stdout
    token = run(["token", "amandine.roclerc"], tmp_path)
    assert token.returncode == 0, token.stderr
    lines = token.stdout.splitlines()
    assert len(lines) == 1 and lines[0].count(".") == 2  # the token alone, a JWS
    issuer = LocalIssuer.load_or_create(tmp_path / "key.json")
    assert issuer.kid in str(issuer.jwks().export(private_keys=False))


def test_token_for_an_unknown_user_fails_with_a_message_on_stderr(tmp_path: Path) -> None:
    run(["migrate"], tmp_path)
    result = run(["token", "nobody.here"], tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "no local user 'nobody.here'" in result.stderr


def test_load_refuses_a_broken_file_and_says_where(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("federation: X\ntenants:\n  - {slug: Bad Slug, name: X, kind: SCHOOL}\n")
    result = run(["load", str(broken)], tmp_path)
    assert result.returncode == 2
    assert "refused, nothing imported" in result.stderr
    assert "broken.yaml:3" in result.stderr


def test_production_refuses_the_development_issuer(tmp_path: Path) -> None:
    result = run(["token", "amandine.roclerc"], tmp_path, GROUPDESK_ENV="production",
                 GROUPDESK_DEV_ISSUER="true")
    assert result.returncode != 0
    assert "cannot be enabled with GROUPDESK_ENV=production" in result.stderr
