"""A Keycloak-compatible realm server on loopback, for tests that need real HTTP and real keys.

It serves the documented realm endpoints (realm info, OIDC discovery, JWKS, token) for any
number of realms, each with its own RSA keys, so python-keycloak talks to it as to Keycloak.

    with RealmServer() as server:
        realm = server.add_realm("insa-lyon", audience="groupdesk")
        token = realm.mint({"sub": "u1"})
"""

from __future__ import annotations

import base64
import binascii
import socket
import threading
import time
from urllib.parse import parse_qsl, unquote

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.support.realm_state import Realm, RealmClient, RealmUser, Subject

__all__ = ["Realm", "RealmClient", "RealmServer", "RealmUser", "Subject"]

NO_CACHE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class RealmServer:
    """Serves realms over HTTP from a background thread; `url` ends with '/' like a server_url."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        # Binding now gives a free port and a known URL before start(), without a race for the port.
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind((host, 0))
        port = self._socket.getsockname()[1]
        self.url = f"http://{host}:{port}/"
        self.realms: dict[str, Realm] = {}
        self.app = Starlette(routes=self._routes())
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def add_realm(self, name: str, *, audience: str | None = "groupdesk") -> Realm:
        """Create a realm with fresh keys; allowed while the server runs."""
        if name in self.realms:
            raise ValueError(f"realm {name} exists")
        realm = Realm(name, self.url, audience=audience)
        self.realms[name] = realm
        return realm

    def __getitem__(self, name: str) -> Realm:
        return self.realms[name]

    def start(self) -> RealmServer:
        """Serve in a daemon thread and return once the socket accepts requests."""
        config = uvicorn.Config(
            self.app, lifespan="off", ws="none", log_config=None, log_level="warning", access_log=False
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, name="realm-server", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 60  # generous: a busy machine starts slowly, never wrongly
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the realm server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
        self._server = self._thread = None
        self._socket.close()

    def __enter__(self) -> RealmServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _routes(self) -> list[Route]:
        base = "/realms/{realm}"
        return [
            Route(base, self._realm_info),
            Route(f"{base}/.well-known/openid-configuration", self._discovery),
            Route(f"{base}/protocol/openid-connect/certs", self._certs),
            Route(f"{base}/protocol/openid-connect/token", self._token, methods=["POST"]),
        ]

    def _realm(self, request: Request) -> Realm | None:
        return self.realms.get(request.path_params["realm"])

    async def _realm_info(self, request: Request) -> JSONResponse:
        realm = self._realm(request)
        if realm is None:
            return _no_realm()
        # Keycloak gives the public key as base64 DER without PEM armour.
        pem_lines = realm.public_key_pem.decode().strip().splitlines()
        return JSONResponse(
            {
                "realm": realm.name,
                "public_key": "".join(pem_lines[1:-1]),
                "token-service": f"{realm.issuer}/protocol/openid-connect",
                "account-service": f"{realm.issuer}/account",
                "tokens-not-before": 0,
            }
        )

    async def _discovery(self, request: Request) -> JSONResponse:
        realm = self._realm(request)
        if realm is None:
            return _no_realm()
        oidc = f"{realm.issuer}/protocol/openid-connect"
        return JSONResponse(
            {
                "issuer": realm.issuer,
                "authorization_endpoint": f"{oidc}/auth",
                "token_endpoint": f"{oidc}/token",
                "introspection_endpoint": f"{oidc}/token/introspect",
                "userinfo_endpoint": f"{oidc}/userinfo",
                "end_session_endpoint": f"{oidc}/logout",
                "jwks_uri": f"{oidc}/certs",
                "grant_types_supported": ["client_credentials", "password"],
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
                "scopes_supported": ["openid", "profile", "email", "organization"],
            }
        )

    async def _certs(self, request: Request) -> JSONResponse:
        realm = self._realm(request)
        if realm is None:
            return _no_realm()
        if realm.down:
            # An outage as a proxy in front of Keycloak reports it; counted like any other request.
            realm.certs_requests += 1
            return JSONResponse({"error": "Service Unavailable"}, status_code=503)
        return JSONResponse(realm.certs())

    async def _token(self, request: Request) -> JSONResponse:
        realm = self._realm(request)
        if realm is None:
            return _no_realm()
        media_type = request.headers.get("content-type", "").split(";")[0].strip()
        if media_type != "application/x-www-form-urlencoded":
            return JSONResponse(
                {"error": "invalid_request", "error_description": "Expected form parameters"},
                status_code=400,
            )
        form = dict(parse_qsl((await request.body()).decode("utf-8"), keep_blank_values=True))
        status, body = realm.grant(form, _basic_credentials(request.headers.get("authorization")))
        return JSONResponse(body, status_code=status, headers=NO_CACHE)


def _basic_credentials(header: str | None) -> tuple[str, str] | None:
    """client_secret_basic: url-encoded id and secret, joined by ':' and base64-encoded."""
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, _, secret = decoded.partition(":")
    return unquote(client_id), unquote(secret)


def _no_realm() -> JSONResponse:
    return JSONResponse({"error": "Realm does not exist"}, status_code=404)
