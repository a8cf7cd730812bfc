"""GraphiQL works on a server without internet: every file it loads comes from this server."""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from groupdesk.app import create_app
from server.config import Settings
from tests.support.live_server import ENGLISH, LiveServer

HTML = {"Accept": "text/html"}
CONTENT_TYPES = {".js": "text/javascript", ".css": "text/css"}


class Resources(HTMLParser):
    """Every URL the page makes the browser load: scripts, styles, icons, and their integrity."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        fields = dict(attrs)
        url = fields.get("src") or fields.get("href")
        if url is not None:
            self.found.append({"tag": tag, "url": url, "integrity": fields.get("integrity")})


def resources(page: str) -> list[dict[str, str | None]]:
    parser = Resources()
    parser.feed(page)
    return parser.found


async def test_the_page_loads_nothing_from_another_host(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", headers=HTML)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    found = resources(response.text)
    assert {r["tag"] for r in found} == {"script", "link"}
    for resource in found:
        url = resource["url"] or ""
        assert urlsplit(url).scheme == "" and not url.startswith("//"), url
        assert urlsplit(urljoin(str(response.url), url)).netloc == "groupdesk.test"
    assert "https://" not in response.text and "http://" not in response.text
    csp = response.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "<script>" not in response.text


async def test_each_file_of_the_page_is_served_with_its_type_and_integrity(client: httpx.AsyncClient) -> None:
    page = await client.get("/graphql", headers=HTML)
    found = resources(page.text)
    names = {Path(urlsplit(r["url"] or "").path).name for r in found}
    assert {"react.production.min.js", "react-dom.production.min.js", "graphiql.min.js",
            "graphiql.min.css", "groupdesk-graphiql.js"} <= names
    for resource in found:
        asset = await client.get(urljoin(str(page.url), resource["url"] or ""))
        assert asset.status_code == 200, resource
        suffix = Path(asset.url.path).suffix
        assert asset.headers["content-type"].startswith(CONTENT_TYPES[suffix]), resource
        assert asset.headers["x-content-type-options"] == "nosniff"
        if resource["integrity"] is not None:
            digest = base64.b64encode(hashlib.sha256(asset.content).digest()).decode()
            assert resource["integrity"] == f"sha256-{digest}", resource
    assert sum(r["integrity"] is not None for r in found) >= 4


async def test_the_headers_tab_starts_with_the_authorization_line_to_complete(
        client: httpx.AsyncClient) -> None:
    script = await client.get("/graphiql/static/groupdesk-graphiql.js")
    assert '"Authorization": "Bearer "' in script.text
    assert "shouldPersistHeaders: false" in script.text


async def test_production_serves_neither_the_page_nor_its_files(
        settings: Settings, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]) -> None:
    production = Settings(_env_file=None, **{**settings.model_dump(), "env": "production",
                                             "dev_issuer": False, "oidc_server_url": "https://sso.test/",
                                             "oidc_realms": "insa"})
    app = create_app(production, engine=engine, sessions=sessions)
    async with httpx.AsyncClient(headers=ENGLISH,
                                 transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        assert (await client.get("/graphql", headers=HTML)).status_code == 404
        assert (await client.get("/graphiql/static/graphiql.min.js")).status_code == 404


@pytest.fixture
def live_app(tmp_path: Path) -> Any:
    """The app on loopback; the page and its files need no database, so none is set up."""
    settings = Settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}",
                        dev_issuer_key_file=tmp_path / "key.json", demo_federation=False,
                        migrate_on_start=False, embedded_relay=False, tick_seconds=0)
    with LiveServer(create_app(settings), lifespan="on") as live:
        yield live


@pytest.mark.skipif(shutil.which("chromium") is None, reason="no chromium on this machine (optional check)")
def test_graphiql_renders_in_a_real_browser_with_the_authorization_line(live_app: LiveServer) -> None:
    with tempfile.TemporaryDirectory() as profile:
        dom = subprocess.run(
            # No background networking: the machine may have no internet, which is the point here.
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "--virtual-time-budget=20000", "--dump-dom",
             f"{live_app.url}/graphql"],
            capture_output=True, text=True, timeout=120).stdout
    assert "graphiql-editor" in dom, dom[:2000]
    assert "Loading GraphiQL..." not in dom
    assert '"Authorization"' in dom and '"Bearer "' in dom
