"""A real SMTP server (aiosmtpd) on loopback that keeps the messages it receives."""

from __future__ import annotations

import threading
from collections.abc import Callable
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from tests.support.live_server import free_port

SMTP_USER, SMTP_PASSWORD = "desk-relay", "relay-pass"


class SmtpSink:
    """Accepts mail (optionally after AUTH LOGIN/PLAIN) and parses each message."""

    def __init__(self) -> None:
        self.lock = threading.Condition()
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.port = free_port()
        # AUTH over plain text is fine on loopback in tests; real relays should use STARTTLS.
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port,
                                     authenticator=self.authenticate, auth_require_tls=False)

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()

    @staticmethod
    def authenticate(server: Any, session: Session, envelope: Envelope, mechanism: str,
                     auth_data: Any) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            SMTP_USER.encode(), SMTP_PASSWORD.encode())
        # handled=False makes aiosmtpd answer 535 itself on a failure.
        return AuthResult(success=ok, handled=False)

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content
        assert isinstance(raw, bytes)
        parsed = message_from_bytes(raw, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        with self.lock:
            self.messages.append(parsed)
            self.envelopes.append((str(envelope.mail_from), list(envelope.rcpt_tos)))
            self.lock.notify_all()
        return "250 Message accepted for delivery"

    def about(self, group_ref: str) -> list[EmailMessage]:
        """Messages whose X-Groupdesk-Ref is this group ref, in arrival order."""
        with self.lock:
            return [m for m in self.messages if m["X-Groupdesk-Ref"] == group_ref]

    def wait_for(self, found: Callable[[list[EmailMessage]], bool], timeout: float = 10.0) -> bool:
        """Block until `found(messages)` holds (woken by each message), or the timeout passes."""
        with self.lock:
            return self.lock.wait_for(lambda: found(list(self.messages)), timeout=timeout)

    def to(self, address: str) -> list[EmailMessage]:
        """Messages addressed to one recipient, in arrival order."""
        with self.lock:
            return [m for m in self.messages if m["To"] == address]
