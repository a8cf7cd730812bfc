"""The realm server with Keycloak's browser sign-in: authorization code with PKCE, refresh, logout.

A login page (username and password of the realm's users) at `.../protocol/openid-connect/auth`
answers with a one-time code bound to the client, the redirect URI and the PKCE challenge (S256
only, as the console's client requires); the token endpoint trades it, and refresh tokens, for
tokens; `.../logout` ends the session and returns to `post_logout_redirect_uri`. Like Keycloak for
a client's web origins, it answers CORS requests, since a browser app calls the token endpoint.
"""

from __future__ import annotations

import base64
import hashlib
import html
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from tests.support.realm import NO_CACHE, RealmServer
from tests.support.realm_state import Realm, RealmUser

LOGIN_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in to {realm}</title></head>
<body><main><h1>Sign in to {realm}</h1>{error}
<form method="post"><input type="hidden" name="request" value="{request}">
<label>Username <input name="username" autocomplete="username"></label>
<label>Password <input name="password" type="password" autocomplete="current-password"></label>
<button type="submit">Sign in</button></form></main></body></html>"""


@dataclass
class PendingCode:
    realm: str
    user: RealmUser
    client_id: str
    redirect_uri: str
    challenge: str
    scope: str
    nonce: str | None


class LoginRealmServer(RealmServer):
    """RealmServer plus the authorization code flow a browser goes through."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        super().__init__(host)
        self._codes: dict[str, PendingCode] = {}
        self._refresh: dict[str, tuple[str, RealmUser, str, str]] = {}
        self.refresh_grants = 0
        self.app = Starlette(routes=self._routes(), middleware=[Middleware(
            CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST"], allow_headers=["*"])])

    def _routes(self) -> list[Route]:
        base = "/realms/{realm}/protocol/openid-connect"
        return [
            Route(f"{base}/auth", self._authorize, methods=["GET", "POST"]),
            Route(f"{base}/logout", self._logout),
            Route(f"{base}/token", self._token_or_code, methods=["POST"]),
            *super()._routes(),
        ]

    async def _authorize(self, request: Request) -> Response:
        realm = self._realm(request)
        if realm is None:
            return JSONResponse({"error": "Realm does not exist"}, status_code=404)
        if request.method == "GET":
            params = dict(request.query_params)
            refusal = self._check_request(realm, params)
            if refusal:
                return HTMLResponse(f"<p>{html.escape(refusal)}</p>", status_code=400)
            return self._login_page(realm, urlencode(params), "")
        form = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        params = dict(parse_qsl(form.get("request", "")))
        refusal = self._check_request(realm, params)
        if refusal:
            return HTMLResponse(f"<p>{html.escape(refusal)}</p>", status_code=400)
        user = realm.users.get(form.get("username", ""))
        if user is None or not secrets.compare_digest(user.password, form.get("password", "")):
            return self._login_page(realm, form["request"], "<p role=alert>Invalid username or password.</p>")
        code = secrets.token_urlsafe(24)
        self._codes[code] = PendingCode(realm.name, user, params["client_id"], params["redirect_uri"],
                                        params["code_challenge"], params.get("scope", "openid"), params.get("nonce"))
        answer = {"code": code, "session_state": secrets.token_hex(8)}
        if "state" in params:
            answer["state"] = params["state"]
        return RedirectResponse(f"{params['redirect_uri']}?{urlencode(answer)}", status_code=302)

    @staticmethod
    def _check_request(realm: Realm, params: dict[str, str]) -> str | None:
        if params.get("client_id") not in realm.clients:
            return "Client not found."
        if params.get("response_type") != "code":
            return "Unsupported response_type."
        if params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
            return "Missing parameter: code_challenge_method (S256 required)."
        if not params.get("redirect_uri"):
            return "Invalid parameter: redirect_uri"
        return None

    @staticmethod
    def _login_page(realm: Realm, request: str, error: str) -> HTMLResponse:
        return HTMLResponse(LOGIN_PAGE.format(realm=html.escape(realm.name), request=html.escape(request),
                                              error=error))

    async def _logout(self, request: Request) -> Response:
        target = request.query_params.get("post_logout_redirect_uri")
        return RedirectResponse(target, status_code=302) if target else HTMLResponse("<p>You are signed out.</p>")

    async def _token_or_code(self, request: Request) -> Response:
        form = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        if form.get("grant_type") == "authorization_code":
            return self._trade_code(request.path_params["realm"], form)
        if form.get("grant_type") == "refresh_token" and form.get("refresh_token") in self._refresh:
            return self._refresh_tokens(form)
        return await self._token(request)

    def _trade_code(self, realm_name: str, form: dict[str, str]) -> Response:
        pending = self._codes.pop(form.get("code", ""), None)  # one use only
        verifier = form.get("code_verifier", "")
        digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if (pending is None or pending.realm != realm_name or pending.client_id != form.get("client_id")
                or pending.redirect_uri != form.get("redirect_uri") or digest != pending.challenge):
            return JSONResponse({"error": "invalid_grant", "error_description": "Code not valid"},
                                status_code=400, headers=NO_CACHE)
        return self._tokens(self.realms[realm_name], pending.user, pending.client_id, pending.scope, pending.nonce)

    def _refresh_tokens(self, form: dict[str, str]) -> Response:
        realm_name, user, client_id, scope = self._refresh.pop(form["refresh_token"])
        self.refresh_grants += 1
        return self._tokens(self.realms[realm_name], user, client_id, scope, None)

    def _tokens(self, realm: Realm, user: RealmUser, client_id: str, scope: str, nonce: str | None) -> Response:
        claims = realm.access_claims(user, client_id, scope=scope, session=secrets.token_hex(8))
        refresh = secrets.token_urlsafe(32)
        self._refresh[refresh] = (realm.name, user, client_id, scope)
        body: dict[str, Any] = {
            "access_token": realm.mint(claims), "expires_in": realm.lifetime, "token_type": "Bearer",
            "refresh_token": refresh, "refresh_expires_in": 1800, "scope": scope,
            "id_token": realm.mint({**claims, "typ": "ID", "aud": client_id,
                                    **({"nonce": nonce} if nonce else {})}),
        }
        return JSONResponse(body, headers=NO_CACHE)
