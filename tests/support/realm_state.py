"""One realm of the test Keycloak: its keys, clients and users, and the tokens it issues."""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from jwcrypto import jwk, jws

# Roles Keycloak grants every account by default; groupdesk must ignore them.
DEFAULT_REALM_ROLES = ("offline_access", "uma_authorization")
ACCOUNT_ROLES = ("manage-account", "view-profile")


@dataclass
class Subject:
    """What an access token describes: a person or a client's service account."""

    username: str
    sub: str = field(default_factory=lambda: str(uuid.uuid4()))
    realm_roles: tuple[str, ...] = ()
    client_roles: dict[str, tuple[str, ...]] = field(default_factory=dict)
    groups: tuple[str, ...] = ()
    # Shape as Keycloak 26's mapper would emit it: list of aliases, object keyed by alias, or a string.
    organization: Any = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None


@dataclass
class RealmUser(Subject):
    password: str = ""


@dataclass
class RealmClient:
    client_id: str
    secret: str | None
    service_account: Subject


def new_rsa_key(*, use: str = "sig", alg: str = "RS256") -> jwk.JWK:
    """A fresh RSA 2048 key with a Keycloak-like random kid."""
    return jwk.JWK.generate(kty="RSA", size=2048, kid=secrets.token_urlsafe(32), use=use, alg=alg)


def encode_segment(data: Mapping[str, Any]) -> str:
    """base64url JSON without padding, as JWS compact segments are written."""
    raw = json.dumps(dict(data), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _without_none(values: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value is not None}


class Realm:
    """Keys, registered clients and users of one realm; safe to change while the server runs."""

    def __init__(self, name: str, server_url: str, *, audience: str | None = "groupdesk") -> None:
        self.name = name
        self.server_url = server_url
        self.audience = audience
        self.lifetime = 300
        self.signing_key = new_rsa_key()
        # Keycloak publishes an RSA-OAEP encryption key in the same JWKS; verifiers must skip it.
        self.encryption_key = new_rsa_key(use="enc", alg="RSA-OAEP")
        self.refresh_secret = jwk.JWK.generate(kty="oct", size=512, kid=secrets.token_urlsafe(16))
        self.clients: dict[str, RealmClient] = {}
        self.users: dict[str, RealmUser] = {}
        self.certs_requests = 0
        self.token_requests = 0
        # While True the JWKS endpoint answers 503, as during an outage.
        self.down = False
        self._published: list[jwk.JWK] = [self.signing_key]
        self._lock = threading.Lock()

    @property
    def issuer(self) -> str:
        return f"{self.server_url}realms/{self.name}"

    @property
    def kid(self) -> str:
        return str(self.signing_key["kid"])

    @property
    def public_key_pem(self) -> bytes:
        """The active signing key's public PEM (what `/realms/{realm}` exposes, with headers)."""
        return bytes(self.signing_key.export_to_pem())

    def certs(self) -> dict[str, Any]:
        """The JWKS document, counted so tests can see how often verifiers fetch it."""
        with self._lock:
            self.certs_requests += 1
            keys = [*self._published, self.encryption_key]
            return {"keys": [key.export_public(as_dict=True) for key in keys]}

    def rotate_keys(self, *, keep_previous: bool = True) -> str:
        """Make a new key active, as Keycloak's key rotation does; returns its kid."""
        key = new_rsa_key()
        with self._lock:
            self._published = [key, *self._published] if keep_previous else [key]
            self.signing_key = key
        return self.kid

    def remove_key(self, kid: str) -> None:
        """Stop publishing a key (Keycloak: a key deleted or disabled in the realm)."""
        with self._lock:
            self._published = [key for key in self._published if key["kid"] != kid]

    def add_key(self, key: jwk.JWK) -> str:
        """Publish the public half of another key (for example an EC key for ES256 tokens)."""
        with self._lock:
            self._published.append(key)
        return str(key["kid"])

    def add_client(
        self, client_id: str, secret: str | None = None, **service_account: Any
    ) -> RealmClient:
        """Register a client; with a secret it can use client_credentials as its service account."""
        account = Subject(username=f"service-account-{client_id}", **service_account)
        client = RealmClient(client_id, secret, account)
        self.clients[client_id] = client
        return client

    def add_user(self, username: str, password: str, **profile: Any) -> RealmUser:
        """Register a user for the password grant."""
        user = RealmUser(username=username, password=password, **profile)
        self.users[username] = user
        return user

    def mint(
        self,
        claims: Mapping[str, Any] | None = None,
        *,
        alg: str = "RS256",
        kid: str | None = None,
        key: jwk.JWK | bytes | str | None = None,
        header: Mapping[str, Any] | None = None,
        lifetime: int | None = None,
    ) -> str:
        """Sign an access token; `claims`/`header` override the defaults and a None value drops one."""
        now = int(time.time())
        body = {
            "exp": now + (self.lifetime if lifetime is None else lifetime),
            "iat": now,
            "jti": str(uuid.uuid4()),
            "iss": self.issuer,
            "aud": self.audience,
            "sub": str(uuid.uuid4()),
            "typ": "Bearer",
            "azp": "groupdesk-portal",
            "preferred_username": "test-user",
            **(claims or {}),
        }
        signer = self.signing_key if key is None else key
        if isinstance(signer, (bytes, str)):
            # A raw secret, e.g. the public PEM, for the HS256 key-confusion attack.
            secret = signer.encode() if isinstance(signer, str) else signer
            signer = jwk.JWK(kty="oct", k=base64.urlsafe_b64encode(secret).rstrip(b"=").decode())
        fields = {"alg": alg, "typ": "JWT", "kid": kid or signer.get("kid"), **(header or {})}
        return sign(_without_none(fields), _without_none(body), signer)

    def grant(self, form: Mapping[str, str], basic: tuple[str, str] | None) -> tuple[int, dict[str, Any]]:
        """The token endpoint: client authentication, then the client_credentials or password grant."""
        with self._lock:
            self.token_requests += 1
        client_id, secret = basic or (form.get("client_id", ""), form.get("client_secret", ""))
        client = self.clients.get(client_id)
        bad_client = {"error_description": "Invalid client or Invalid client credentials"}
        if client is None:
            return 401, {"error": "invalid_client", **bad_client}
        if client.secret is not None and not _same(client.secret, secret):
            return 401, {"error": "unauthorized_client", **bad_client}
        grant_type = form.get("grant_type")
        scope = form.get("scope") or "openid profile email"
        if grant_type == "client_credentials":
            if client.secret is None:
                refusal = "Public client not allowed to retrieve service account"
                return 401, {"error": "unauthorized_client", "error_description": refusal}
            return 200, self._token_response(client.service_account, client, scope, person=False)
        if grant_type == "password":
            user = self.users.get(form.get("username", ""))
            if user is None or not _same(user.password, form.get("password", "")):
                return 401, {"error": "invalid_grant", "error_description": "Invalid user credentials"}
            return 200, self._token_response(user, client, scope, person=True)
        return 400, {"error": "unsupported_grant_type", "error_description": "Unsupported grant_type"}

    def _token_response(
        self, subject: Subject, client: RealmClient, scope: str, *, person: bool
    ) -> dict[str, Any]:
        session = str(uuid.uuid4())
        claims = self.access_claims(subject, client.client_id, scope=scope, session=session)
        response: dict[str, Any] = {
            "access_token": self.mint(claims),
            "expires_in": self.lifetime,
            "refresh_expires_in": 0,
            "token_type": "Bearer",
            "not-before-policy": 0,
            "scope": scope,
        }
        if person:
            # Keycloak signs refresh tokens with a realm HMAC secret; they must never pass as bearer.
            refresh = {**claims, "typ": "Refresh", "aud": self.issuer}
            response["refresh_token"] = self.mint(refresh, alg="HS512", key=self.refresh_secret)
            response["refresh_expires_in"] = 1800
            response["session_state"] = session
            if "openid" in scope.split():
                identity = {**claims, "typ": "ID", "aud": client.client_id}
                response["id_token"] = self.mint(identity)
        return response

    def access_claims(
        self, subject: Subject, client_id: str, *, scope: str = "openid", session: str | None = None
    ) -> dict[str, Any]:
        """The claims Keycloak would put in an access token for this subject."""
        resource_access = {name: {"roles": list(roles)} for name, roles in subject.client_roles.items()}
        resource_access.setdefault("account", {"roles": list(ACCOUNT_ROLES)})
        names = [n for n in (subject.first_name, subject.last_name) if n]
        claims: dict[str, Any] = {
            "sub": subject.sub,
            "azp": client_id,
            "sid": session,
            "scope": scope,
            # With an Audience mapper Keycloak lists the API next to the account console.
            "aud": [self.audience, "account"] if self.audience else "account",
            "realm_access": {
                "roles": [*subject.realm_roles, *DEFAULT_REALM_ROLES, f"default-roles-{self.name}"]
            },
            "resource_access": resource_access,
            "preferred_username": subject.username,
            "email": subject.email,
            "email_verified": subject.email is not None,
            "given_name": subject.first_name,
            "family_name": subject.last_name,
            "name": " ".join(names) or None,
            "groups": list(subject.groups) or None,
            "organization": subject.organization,
        }
        if not isinstance(subject, RealmUser):
            claims["client_id"] = client_id
        return _without_none(claims)


def sign(header: Mapping[str, Any], claims: Mapping[str, Any], key: jwk.JWK) -> str:
    """Produce a compact JWS; alg "none" yields the unsigned form attackers send."""
    if header.get("alg") == "none":
        return f"{encode_segment(header)}.{encode_segment(claims)}."
    token = jws.JWS(json.dumps(dict(claims), separators=(",", ":")).encode())
    token.add_signature(key, alg=None, protected=json.dumps(dict(header)))
    return str(token.serialize(compact=True))


def _same(expected: str, given: str) -> bool:
    return secrets.compare_digest(expected.encode(), (given or "").encode())
