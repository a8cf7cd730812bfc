"""The first SSO login of a person SCIM provisioned finds that user and claims it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from server.identity.models import User
from server.identity.linking import link_provisioned_user
from tests.scim.conftest import ScimClient
from tests.support.principals import tenant_id

ISSUER = "https://sso.groupe-insa.example.org/realms/insa-lyon"


async def _link(session: AsyncSession, slug: str = "insa-lyon", *, subject: str = "kc-42",
                username: str | None = None, email: str | None = None) -> User | None:
    return await link_provisioned_user(session, tenant_id=await tenant_id(session, slug), issuer=ISSUER,
                                       subject=subject, username=username, email=email)


async def test_first_login_claims_the_provisioned_user_by_username(scim: ScimClient,
                                                                   session: AsyncSession) -> None:
    created = await scim.create_user("Ilan.Berthaud@insa-lyon.example.org")

    linked = await _link(session, username="ilan.berthaud@insa-lyon.example.org", email="other@x.example")

    assert linked is not None and linked.id == int(created["id"])
    assert (linked.issuer, linked.subject) == (ISSUER, "kc-42")
    # Claimed once: a second identity with the same username finds nothing left to claim.
    assert await _link(session, subject="kc-43", username="ilan.berthaud@insa-lyon.example.org") is None


async def test_login_falls_back_to_the_e_mail_when_it_names_one_user(scim: ScimClient,
                                                                     session: AsyncSession) -> None:
    created = await scim.create_user("7d0c9a52", emails=[{"value": "ilan.berthaud@insa-lyon.example.org",
                                                          "primary": True}])

    linked = await _link(session, username="iberthaud", email="ILAN.BERTHAUD@insa-lyon.example.org")

    assert linked is not None and linked.id == int(created["id"])


async def test_an_e_mail_two_provisioned_users_share_claims_neither(scim: ScimClient,
                                                                    session: AsyncSession) -> None:
    for name in ("a-1", "a-2"):
        await scim.create_user(name, emails=[{"value": "shared@insa-lyon.example.org"}])

    assert await _link(session, username="iberthaud", email="shared@insa-lyon.example.org") is None


async def test_nothing_is_claimed_across_schools_nor_users_deleted_or_already_known(
        scim: ScimClient, session: AsyncSession) -> None:
    created = await scim.create_user("ilan.berthaud@insa-lyon.example.org")

    assert await _link(session, "insa-rennes", username="ilan.berthaud@insa-lyon.example.org") is None
    # A user of the federation file already has its SSO identity: logins find it directly.
    assert await _link(session, username="amandine.roclerc") is None
    await scim.delete(f"Users/{created['id']}")
    assert await _link(session, username="ilan.berthaud@insa-lyon.example.org") is None
    assert await _link(session) is None


async def test_sso_login_of_a_provisioned_person_uses_that_user_and_keeps_scim_roles(
        scim: ScimClient, sso_client_for, insa_realm) -> None:
    from tests.identity.test_sso_login import call, person

    created = await scim.create_user("noe.vallancourt", emails=[{"value": "noe@insa-lyon.example.org"}])
    await scim.create_group("groupdesk-school-manager", created["id"])
    api = await sso_client_for(insa_realm.name)

    # The token carries other roles than the SCIM groups: the provider's SCIM feed wins.
    token = person(insa_realm, "noe.vallancourt", sub="kc-noe", roles=("school-agent",))
    viewer = (await call(api, token, "{ viewer { user { id username } roles } }"))["viewer"]
    again = (await call(api, token, "{ viewer { user { id username } roles } }"))["viewer"]

    assert viewer["user"]["username"] == "noe.vallancourt"
    assert viewer["roles"] == ["SCHOOL_MANAGER"]
    assert again == viewer
    users = (await scim.get("Users", filter='userName eq "noe.vallancourt"')).json()
    assert users["totalResults"] == 1


async def test_the_federation_file_no_longer_overrides_what_scim_manages(
        scim: ScimClient, session: AsyncSession) -> None:
    from sqlalchemy import select

    from server.importing import import_federation
    from tenants.federation import demo_federation_path, load_federation

    # SCIM takes over a person the federation file also lists (same userName in the same school).
    listed_id = await session.scalar(select(User.id).where(User.username == "amandine.roclerc"))
    found = (await scim.get("Users", filter='userName eq "amandine.roclerc"')).json()
    if found["totalResults"] == 0:
        created = await scim.create_user("amandine.roclerc")
        assert int(created["id"]) == listed_id
    await scim.create_group("groupdesk-school-manager", str(listed_id))
    session.expire_all()
    before = await session.get(User, listed_id)
    assert before.scim_managed and before.role_names == ["school-manager"]

    report = await import_federation(session, load_federation(demo_federation_path()))

    session.expire_all()
    after = await session.get(User, listed_id)
    assert after.role_names == ["school-manager"]
    assert any("amandine.roclerc is managed by SCIM" in note for note in report.notes)
