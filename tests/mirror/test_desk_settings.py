"""A school's desk: secrets only by reference, imported from the federation file, set by admins."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select, text

from server.mirror.models import DeskSetting
from tenants.desks import DeskKind
from tenants.desks.settings import (
    CredentialMissing,
    CredentialRef,
    DeskSpecInvalid,
    parse_desk,
    read_secret,
    resolve,
)
from tests.mirror.conftest import ADMIN, SECRETS, itop_desk

ROOT = Path(__file__).resolve().parents[2]
CONFIGURE = """mutation($input: ConfigureDeskInput!) { configureDesk(input: $input) {
  __typename ... on DeskConfigured { desk { kind url credentialNames mappings } }
  ... on ValidationFailed { fields { field message } } ... on Problem { message } } }"""


def test_plain_secret_values_are_refused_naming_the_field() -> None:
    with pytest.raises(DeskSpecInvalid) as caught:
        parse_desk({"kind": "itop", "url": "https://itop.example.org", "credentials": {"token": "abc"}})
    assert "credentials.token" in caught.value.errors
    assert "never stored" in caught.value.errors["credentials.token"]


def test_references_are_read_from_environment_or_file_and_missing_ones_are_named(tmp_path) -> None:
    secret_file = tmp_path / "glpi-user-token"
    secret_file.write_text("from-a-file\n")
    spec = parse_desk({"kind": "glpi", "url": "https://glpi.example.org/apirest.php",
                       "credentials": {"app_token_env": "T_APP", "user_token_file": str(secret_file)}})
    assert spec.url == "https://glpi.example.org"  # the connector adds /apirest.php itself
    config = resolve(spec, reader=lambda ref: read_secret(ref, {"T_APP": "from-env"}))
    assert dict(config.credentials) == {"app_token": "from-env", "user_token": "from-a-file"}
    with pytest.raises(CredentialMissing, match="credential app_token: environment variable T_APP"):
        resolve(spec, reader=lambda ref: read_secret(ref, {}))
    with pytest.raises(CredentialMissing, match="cannot be read"):
        read_secret(CredentialRef("file", str(tmp_path / "absent")))


def test_bad_kind_url_and_timeout_are_reported_together() -> None:
    with pytest.raises(DeskSpecInvalid) as caught:
        parse_desk({"kind": "email", "url": "mailto:desk@example.org", "timeout": 0, "colour": 1})
    assert set(caught.value.errors) == {"url", "timeout", "colour"}
    with pytest.raises(DeskSpecInvalid, match="unknown desk kind 'jira'"):
        parse_desk({"kind": "jira"})


async def test_demo_desks_are_imported_with_references_and_no_secret_in_the_database(session) -> None:
    rows = {s.tenant_id: s for s in await session.scalars(select(DeskSetting))}
    kinds = sorted(s.kind.value for s in rows.values())
    assert kinds == ["email", "glpi", "itop", "itop", "webhook"]
    lyon = next(s for s in rows.values() if s.url == "https://support.insa-lyon.example.org")
    assert lyon.credential_refs["token"] == {"env": "GROUPDESK_DESK_INSA_LYON_TOKEN"}


async def test_configure_desk_stores_references_and_never_returns_or_stores_secret_values(
        session, gql) -> None:
    gid = (await gql('{ tenants { id slug } }', as_user=ADMIN))["tenants"]
    lyon = next(t["id"] for t in gid if t["slug"] == "insa-lyon")
    desk = itop_desk("https://itop.insa-lyon.example.org")
    data = await gql(CONFIGURE, {"input": {"tenantId": lyon, "desk": {
        "kind": "ITOP", "url": desk["url"], "credentials": desk["credentials"],
        "mappings": desk["mappings"]}}}, as_user=ADMIN)
    assert data["configureDesk"]["desk"]["credentialNames"] == ["inbound_secret", "password", "user"]
    listed = await gql("{ desks { kind url credentialNames school { slug } } }", as_user=ADMIN)
    dumped = json.dumps(listed) + json.dumps(data)
    stored = await session.execute(text("SELECT credential_refs, mappings, url FROM desk_setting"))
    everything = dumped + json.dumps([list(map(str, r)) for r in stored])
    for secret in SECRETS.values():
        assert secret not in everything


async def test_configure_desk_refuses_values_non_admins_and_groups(session, gql) -> None:
    tenants = {t["slug"]: t["id"] for t in (await gql('{ tenants { id slug } }', as_user=ADMIN))["tenants"]}
    plain = {"tenantId": tenants["insa-lyon"], "desk": {"kind": "WEBHOOK", "url": "https://h.example.org",
                                                        "credentials": {"secret": "whsec_abc"}}}
    refused = await gql(CONFIGURE, {"input": plain}, as_user=ADMIN)
    assert refused["configureDesk"]["__typename"] == "ValidationFailed"
    assert refused["configureDesk"]["fields"][0]["field"] == "credentials.secret"
    agent = await gql(CONFIGURE, {"input": {**plain, "desk": None}}, as_user="amandine.roclerc")
    assert agent["configureDesk"]["__typename"] == "PermissionDenied"
    group = await gql(CONFIGURE, {"input": {"tenantId": tenants["groupe-insa"], "desk": None}},
                      as_user=ADMIN)
    assert group["configureDesk"]["__typename"] == "ValidationFailed"
    assert (await gql("{ desks { url } }", as_user="amandine.roclerc"))["desks"] == []


async def test_removing_a_desk_leaves_the_school_without_one(session, gql) -> None:
    tenants = {t["slug"]: t["id"] for t in (await gql('{ tenants { id slug } }', as_user=ADMIN))["tenants"]}
    removed = await gql(CONFIGURE, {"input": {"tenantId": tenants["insa-toulouse"], "desk": None}},
                        as_user=ADMIN)
    assert removed["configureDesk"] == {"__typename": "DeskConfigured", "desk": None}
    assert DeskKind.WEBHOOK not in [d.kind for d in await session.scalars(select(DeskSetting))]


@pytest.fixture(scope="module")
def cli_database(tmp_path_factory) -> dict[str, str]:
    """A file database loaded with the demo federation by the CLI itself."""
    db = tmp_path_factory.mktemp("cli") / "groupdesk.db"
    env = {**os.environ, "GROUPDESK_DATABASE_URL": f"sqlite+aiosqlite:///{db}"}
    subprocess.run([sys.executable, "-m", "groupdesk.cli", "load", "tenants/federations/insa.yaml"],
                   cwd=ROOT, env=env, check=True, capture_output=True, timeout=60)
    return env


def check_desk(env: dict[str, str], school: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "groupdesk.cli", "check-desk", school], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=60)


def test_check_desk_names_the_missing_environment_variable(cli_database) -> None:
    env = {k: v for k, v in cli_database.items() if not k.startswith("GROUPDESK_DESK_")}
    result = check_desk(env, "insa-lyon")
    assert result.returncode == 1
    assert "GROUPDESK_DESK_INSA_LYON_TOKEN is not set" in result.stdout


def test_check_desk_says_when_a_school_has_no_desk(cli_database) -> None:
    result = check_desk(cli_database, "insa-cvl")
    assert result.returncode == 1 and "insa-cvl has no desk configured" in result.stdout


def test_check_desk_reaches_the_desk_and_says_what_is_wrong(cli_database, itop, tmp_path) -> None:
    import asyncio

    from server.db import create_engine, session_factory, writer_session
    from server.identity.models import Tenant
    from server.mirror.desks import check_spec, store_desk

    async def point_lyon_at_fake(raw: dict) -> None:
        engine = create_engine(cli_database["GROUPDESK_DATABASE_URL"])
        async with writer_session(session_factory(engine)) as session:
            tenant = await session.scalar(select(Tenant).where(Tenant.slug == "insa-lyon"))
            await store_desk(session, tenant, check_spec(raw))
        await engine.dispose()

    asyncio.run(point_lyon_at_fake(itop_desk(itop.url)))
    good = check_desk({**cli_database, **SECRETS}, "insa-lyon")
    assert good.returncode == 0, good.stdout + good.stderr
    assert "logged in as groupdesk-rest" in good.stdout
    bad = check_desk({**cli_database, **SECRETS, "T_ITOP_PASSWORD": "wrong"}, "insa-lyon")
    assert bad.returncode == 1 and "login failed" in bad.stdout



def test_a_desk_timeout_longer_than_the_delivery_lease_allows_is_refused() -> None:
    from tenants.desks.settings import MAX_TIMEOUT

    raw = {"kind": "webhook", "url": "https://desk.example.org/hooks",
           "credentials": {"secret_env": "DESK_SECRET"}}
    assert parse_desk({**raw, "timeout": MAX_TIMEOUT}).timeout == MAX_TIMEOUT
    with pytest.raises(DeskSpecInvalid) as caught:
        parse_desk({**raw, "timeout": MAX_TIMEOUT + 1})
    assert "timeout" in caught.value.errors


async def test_configure_desk_field_problems_are_read_in_the_callers_language(
        session, gql, client, token_for) -> None:
    lyon = (await gql('{ tenants { id slug } }', as_user=ADMIN))["tenants"]
    lyon = next(t["id"] for t in lyon if t["slug"] == "insa-lyon")
    desk = {"kind": "ITOP", "url": " ", "credentials": {"token": "abc", "user_env": "not a name"},
            "mappings": [1], "timeout": 90}

    async def fields(language: str) -> dict[str, str]:
        body = (await client.post("/graphql", json={"query": CONFIGURE, "variables": {"input": {
            "tenantId": lyon, "desk": desk}}}, headers={"Authorization": f"Bearer {token_for(ADMIN)}",
                                                         "Accept-Language": language})).json()
        assert body["data"]["configureDesk"]["__typename"] == "ValidationFailed", body
        return {f["field"]: f["message"] for f in body["data"]["configureDesk"]["fields"]}

    assert await fields("fr") == {
        "url": "obligatoire",
        "credentials.token": "les secrets ne sont jamais enregistrés : nommez une variable "
                             "d'environnement (token_env) ou un fichier de secrets (token_file) au lieu "
                             "de donner une valeur",
        "credentials.user_env": "'not a name' n'est pas un nom de variable d'environnement",
        "mappings": "doit être un dictionnaire (clé : valeur)",
        "timeout": "en secondes, un nombre supérieur à 0 et au plus 30",
    }
    english = await fields("en")
    assert english["mappings"] == "must be a mapping" and english["url"] == "required"
    assert english["timeout"] == "seconds, a number above 0 and at most 30"
    # The federation file's loader and the CLI print the plain (English) text.
    with pytest.raises(DeskSpecInvalid, match=r"^kind: unknown desk kind 'jira' \(known: itop, "):
        parse_desk({"kind": "jira"})
