"""The web console at `/`: its built files, its sign-in configuration and, in development only, the
demo sign-in backed by the development issuer.

The console is an SPA built into GROUPDESK_CONSOLE_DIR (`web/dist` by `make run`): a path without a
file gets `index.html`, so `/tickets/GRP-2026-000001` opens in the browser as a link. When the
directory has no `index.html` (a checkout never built, the tests) the routes are left out and `/`
still leads to GraphiQL. The demo routes exist only while the development issuer does: production
refuses that issuer, so they answer 404 there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.exceptions import HTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from server.config import Settings
from server.identity.local_issuer import LocalIssuer
from server.identity.models import Tenant, User

# Scripts, styles and fonts from this server only (eval for Ajv, which compiles each request form's
# JSON Schema into a validator; no inline script); GraphQL over HTTP and WebSocket on this origin;
# the OIDC provider is reached by fetch (token endpoint) and in a hidden frame (silent renewal).
CONSOLE_CSP = ("default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
               "img-src 'self' data:; connect-src 'self' ws: wss:{oidc}; frame-src 'self'{oidc}; "
               "frame-ancestors 'none'; base-uri 'self'; form-action 'self'{oidc}")
# Demo tokens live as long as a working day, like `groupdesk token`.
DEMO_TOKEN_SECONDS = 8 * 3600


class ConsoleFiles(StaticFiles):
    """The built console; unknown paths without a file extension get index.html (client routes)."""

    def __init__(self, directory: Path, csp: str) -> None:
        super().__init__(directory=directory, html=True)
        self.csp = csp

    async def get_response(self, path: str, scope: Scope) -> Response:
        try:
            response = await super().get_response(path, scope)
        except HTTPException as exc:
            if exc.status_code != 404 or "." in path.rsplit("/", 1)[-1]:
                raise
            response = await super().get_response("index.html", scope)
        response.headers["content-security-policy"] = self.csp
        if path.startswith("assets/"):
            # Vite names built assets by their content hash: they never change under one name.
            response.headers["cache-control"] = "public, max-age=31536000, immutable"
        else:
            response.headers["cache-control"] = "no-cache"
        return response


def oidc_origin(settings: Settings) -> str:
    """The OIDC provider's origin, for the console's CSP; empty without SSO."""
    if not settings.oidc_server_url or not settings.trusted_realms():
        return ""
    from urllib.parse import urlsplit

    parts = urlsplit(settings.oidc_server_url)
    return f" {parts.scheme}://{parts.netloc}"


def console_config(settings: Settings, local: LocalIssuer | None) -> dict[str, Any]:
    """What the console needs before anyone signs in: the realms to log in with, demo sign-in or not."""
    base = (settings.oidc_server_url or "").rstrip("/")
    realms = [{"realm": name, "authority": f"{base}/realms/{name}", "clientId": settings.console_client_id}
              for name, _tenant in settings.trusted_realms()]
    return {"realms": realms, "demoSignIn": local is not None, "production": settings.is_production}


def console_is_built(settings: Settings) -> bool:
    """Whether GROUPDESK_CONSOLE_DIR holds a build to serve."""
    return (Path(settings.console_dir) / "index.html").is_file()


def console_routes(settings: Settings, local: LocalIssuer | None,
                   sessions: async_sessionmaker[AsyncSession]) -> list[BaseRoute]:
    """The console's routes, to be placed after every other route (the files answer for any path)."""
    config = console_config(settings, local)

    async def configuration(request: Request) -> JSONResponse:
        return JSONResponse(config, headers={"cache-control": "no-cache"})

    routes: list[BaseRoute] = [Route("/console/config.json", configuration)]
    if local is not None:
        routes += demo_sign_in_routes(local, sessions)
    directory = Path(settings.console_dir)
    if console_is_built(settings):
        csp = CONSOLE_CSP.format(oidc=oidc_origin(settings))
        # Compressed on the way out: the scripts shrink to about a quarter, the first load with them.
        routes.append(Mount("/", app=GZipMiddleware(ConsoleFiles(directory, csp), minimum_size=1024),
                            name="console"))
    return routes


def demo_sign_in_routes(local: LocalIssuer, sessions: async_sessionmaker[AsyncSession]) -> list[BaseRoute]:
    """Development only: the demo users, and a development token for one of them."""

    async def demo_users(request: Request) -> JSONResponse:
        async with sessions() as session:
            rows = (await session.execute(
                select(User.username, User.display_name, User.role_names, Tenant.name, Tenant.slug)
                .join(Tenant, Tenant.id == User.tenant_id)
                .where(User.active, Tenant.active, User.technical.is_(False))
                .order_by(Tenant.name, User.display_name))).all()
        return JSONResponse({"users": [
            {"username": username, "displayName": name, "roles": roles or [], "tenant": tenant, "tenantSlug": slug}
            for username, name, roles, tenant, slug in rows]})

    async def demo_token(request: Request) -> JSONResponse:
        try:
            body = await request.json()
        except ValueError:
            body = None
        username = body.get("username") if isinstance(body, dict) else None
        if not isinstance(username, str) or not username:
            return JSONResponse({"error": "send {\"username\": \"...\"}"}, status_code=400)
        async with sessions() as session:
            user = await session.scalar(select(User).where(User.username == username))
        if user is None or not user.active or user.technical:
            return JSONResponse({"error": f"no active demo user {username!r}"}, status_code=404)
        token = local.sign(user.username, username=user.username, lifetime=DEMO_TOKEN_SECONDS)
        return JSONResponse({"accessToken": token, "expiresIn": DEMO_TOKEN_SECONDS},
                            headers={"cache-control": "no-store"})

    return [Route("/dev/demo-users", demo_users),
            Route("/dev/demo-token", demo_token, methods=["POST"])]
