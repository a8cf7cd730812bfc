"""What browsers need from every response: CORS for the listed origins, and the security headers.

CORS is Starlette's CORSMiddleware, configured from GROUPDESK_CORS_ORIGINS (exact origins; empty: no
CORS header at all, so a page on another origin can neither preflight nor read a response).
SecurityHeaders is a plain ASGI middleware (not BaseHTTPMiddleware, which would buffer streaming
responses) that adds the headers below to every HTTP response that does not set its own.
"""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.config import Settings

# The API serves JSON, never pages to render or frame: a response that needs more (the GraphiQL page)
# sends its own Content-Security-Policy, which is kept.
API_CSP = "default-src 'none'; frame-ancestors 'none'"
SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", API_CSP.encode()),
)
# What a single-page client sends: its bearer token, JSON, an idempotency key on retried mutations.
CORS_ALLOWED_HEADERS = ["Authorization", "Content-Type", "Idempotency-Key", "Accept"]
CORS_ALLOWED_METHODS = ["GET", "POST", "OPTIONS"]


class SecurityHeaders:
    """Adds nosniff, no-referrer, no framing, a CSP and, when configured, HSTS to every response."""

    def __init__(self, app: ASGIApp, *, hsts_seconds: int = 0) -> None:
        self.app = app
        self.headers = list(SECURITY_HEADERS)
        if hsts_seconds > 0:
            self.headers.append((b"strict-transport-security", f"max-age={hsts_seconds}".encode()))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                present = {name.lower() for name, _ in headers}
                headers.extend((name, value) for name, value in self.headers if name not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def browser_middleware(settings: Settings) -> list[Middleware]:
    """The security headers, then CORS when origins are listed (so preflights get the headers too)."""
    stack = [Middleware(SecurityHeaders, hsts_seconds=settings.hsts_seconds)]
    origins = settings.cors_origin_list()
    if origins:
        stack.append(Middleware(
            CORSMiddleware, allow_origins=origins, allow_methods=CORS_ALLOWED_METHODS,
            allow_headers=CORS_ALLOWED_HEADERS, expose_headers=["X-Request-Id"],
            max_age=settings.cors_max_age))
    return stack
