"""`groupdesk api-token` as an operator runs it: the secret alone on stdout, listings without it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.spine.test_cli import ROOT, run


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("cli")
    assert run(["migrate"], directory).returncode == 0
    loaded = run(["load", str(ROOT / "tenants" / "federations" / "insa.yaml")], directory)
    assert loaded.returncode == 0, loaded.stderr
    return directory


@pytest.mark.parametrize("action", [[], ["create"]])
def test_every_api_token_action_has_help(action: list[str], tmp_path: Path) -> None:
    result = run(["api-token", *action, "--help"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "usage: groupdesk api-token" in result.stdout


def test_create_list_and_revoke_from_the_command_line(loaded: Path) -> None:
    created = run(["api-token", "create", "--tenant", "insa-rouen", "--name", "iTop production"], loaded)
    assert created.returncode == 0, created.stderr
    lines = created.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("gdk_")
    secret = lines[0]
    assert "acts as desk.insa-rouen" in created.stderr and "shown once" in created.stderr

    listed = run(["api-token", "list", "--tenant", "insa-rouen"], loaded)
    assert listed.returncode == 0, listed.stderr
    row = next(line for line in listed.stdout.splitlines() if "iTop production" in line)
    assert secret[:12] + "..." in row and secret not in listed.stdout
    token_id = row.split()[0]

    revoked = run(["api-token", "revoke", token_id], loaded)
    assert revoked.returncode == 0, revoked.stderr
    assert f"API token {token_id} ({secret[:12]}...) revoked" in revoked.stdout
    after = run(["api-token", "list"], loaded)
    row = next(line for line in after.stdout.splitlines() if line.startswith(token_id + " "))
    assert row.split()[7].endswith("Z")  # the REVOKED column holds a date

    scim = run(["api-token", "create", "--tenant", "insa-lyon", "--name", "Entra", "--purpose", "scim"],
               loaded)
    assert scim.returncode == 0, scim.stderr
    assert "acts as scim.insa-lyon" in scim.stderr


def test_unknown_tenant_and_unknown_token_fail_with_a_message(loaded: Path) -> None:
    unknown = run(["api-token", "create", "--tenant", "insa-xyz", "--name", "x"], loaded)
    assert unknown.returncode == 2 and unknown.stdout == ""
    assert "no tenant 'insa-xyz' (known: groupe-insa, insa-cvl" in unknown.stderr
    missing = run(["api-token", "revoke", "424242"], loaded)
    assert missing.returncode == 2
    assert "API token 424242 not found" in missing.stderr


def test_a_database_behind_the_migrations_is_named_not_crashed_on(tmp_path: Path) -> None:
    result = run(["api-token", "list"], tmp_path)
    assert result.returncode == 2
    assert "run `groupdesk migrate`" in result.stderr
