"""`groupdesk catalog sync itop+URL`: the group's iTop Service / ServiceSubcategory as the catalogue."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from server.catalog.models import Brick, CatalogSyncRun, Service, SubService
from server.catalog_sync import sync_catalogue
from server.config import Settings
from tests.spine.test_importing import fresh  # noqa: F401  (the fixture)
from tests.support.fake_itop import REST_PASSWORD, REST_TOKEN, REST_USER, FakeItop

ACCOUNT = Settings(catalog_itop_user=REST_USER, catalog_itop_password=REST_PASSWORD)


@pytest.fixture
def group_itop() -> Iterator[FakeItop]:
    """The group's iTop: Scenari without a family (the fake's own), and a family of two Services."""
    fake = FakeItop()
    fake.add_family(5, "Plateformes pédagogiques")
    fake.add_service(51, "Moodle", family=5, description="La plateforme de cours")
    fake.add_subcategory(61, "Ouverture de cours", 51, description="Un nouveau cours")
    fake.add_subcategory(62, "Inscriptions en masse", 51, status="implementation")
    fake.add_service(52, "Wims", family=5, status="obsolete")
    fake.add_subcategory(63, "Exercice", 52)
    fake.start()
    yield fake
    fake.stop()


async def catalogue(sessions) -> list[tuple[str, str, str, bool]]:
    async with sessions() as session:
        rows = await session.execute(
            select(Brick.code, Service.name, SubService.name, SubService.active)
            .join(Service, Service.brick_id == Brick.id).join(SubService, SubService.service_id == Service.id)
            .order_by(Brick.code, Service.name, SubService.name))
        return [tuple(row) for row in rows]  # type: ignore[misc]


async def test_services_and_subcategories_become_bricks_services_and_sub_services_once(
        fresh, group_itop: FakeItop) -> None:  # noqa: F811
    source = f"itop+{group_itop.url}"
    first = await sync_catalogue(fresh, source, settings=ACCOUNT)
    assert first.error is None and first.report is not None
    assert await catalogue(fresh) == [
        ("plateformes-pedagogiques", "Moodle", "Inscriptions en masse", False),
        ("plateformes-pedagogiques", "Moodle", "Ouverture de cours", True),
        ("plateformes-pedagogiques", "Wims", "Exercice", True),
        ("scenari", "Scenari", "Account creation", True)]
    async with fresh() as session:
        wims = await session.scalar(select(Service).where(Service.name == "Wims"))
        family = await session.scalar(select(Brick).where(Brick.code == "plateformes-pedagogiques"))
        moodle = await session.scalar(select(Service).where(Service.name == "Moodle"))
    assert wims is not None and wims.active is False  # obsolete in iTop
    assert family is not None and family.name == "Plateformes pédagogiques" and family.active
    assert moodle is not None and moodle.description == "La plateforme de cours"
    again = await sync_catalogue(fresh, source, settings=ACCOUNT)
    assert again.report is not None and not again.report.changed
    async with fresh() as session:
        runs = list(await session.scalars(select(CatalogSyncRun).order_by(CatalogSyncRun.id)))
    assert [(r.ok, r.source) for r in runs] == [(True, source)] * 2
    assert runs[0].changes["created"] == {"bricks": 2, "services": 3, "sub-services": 4}


async def test_a_resync_keeps_the_forms_groupdesk_holds_and_lists_what_itop_dropped(
        fresh, group_itop: FakeItop) -> None:  # noqa: F811
    source = f"itop+{group_itop.url}"
    await sync_catalogue(fresh, source, settings=ACCOUNT)
    form = {"type": "object", "properties": {"course": {"type": "string", "title": "Course"}}}
    async with fresh() as session, session.begin():
        sub = await session.scalar(select(SubService).where(SubService.name == "Ouverture de cours"))
        assert sub is not None
        sub.form, sub.requires_approval = form, True
    del group_itop.objects["ServiceSubcategory"][63]
    group_itop.objects["ServiceSubcategory"][61]["description"] = "Un cours de plus"
    listed = await sync_catalogue(fresh, source, settings=ACCOUNT)
    assert listed.report is not None
    assert listed.report.not_in_file == ["sub-service plateformes-pedagogiques > Wims > Exercice"]
    async with fresh() as session:
        sub = await session.scalar(select(SubService).where(SubService.name == "Ouverture de cours"))
    assert sub is not None and (sub.form, sub.requires_approval) == (form, True)
    assert sub.description == "Un cours de plus"
    retired = await sync_catalogue(fresh, source, settings=ACCOUNT, deactivate_missing=True)
    assert retired.report is not None and retired.report.updated["deactivated"] == 1
    assert ("plateformes-pedagogiques", "Wims", "Exercice", False) in await catalogue(fresh)


async def test_only_the_named_providers_services_count_and_a_token_is_enough(
        fresh, group_itop: FakeItop) -> None:  # noqa: F811
    group_itop.add_service(53, "Annuaire", org=(9, "Groupe INSA"))
    group_itop.add_subcategory(64, "Compte", 53)
    settings = Settings(catalog_itop_token=REST_TOKEN, catalog_itop_organization="Groupe INSA")
    outcome = await sync_catalogue(fresh, f"itop+{group_itop.url}", settings=settings)
    assert outcome.error is None
    assert await catalogue(fresh) == [("annuaire", "Annuaire", "Compte", True)]


async def test_a_refused_login_changes_nothing_and_its_run_says_why(
        fresh, group_itop: FakeItop) -> None:  # noqa: F811
    wrong = Settings(catalog_itop_user=REST_USER, catalog_itop_password="not-it")
    outcome = await sync_catalogue(fresh, f"itop+{group_itop.url}", settings=wrong)
    assert outcome.error is not None and "iTop login failed" in outcome.error
    assert await catalogue(fresh) == []
    async with fresh() as session:
        [run] = list(await session.scalars(select(CatalogSyncRun)))
    assert run.ok is False and run.error == outcome.error
