"""E-mail connector: one message per event, shaped for mail-to-ticket gateways."""

from __future__ import annotations

import asyncio
import hashlib
import re
import smtplib
import ssl
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

from tenants.desks import render
from tenants.i18n import gettext_for
from tenants.desks.base import (
    CheckOutcome,
    CheckResult,
    DeskConfig,
    DeskError,
    DeskEvent,
    DeskKind,
    DeskTicket,
    RemoteTicket,
)

T = TypeVar("T")
_ID_PART = re.compile(r"[^A-Za-z0-9._-]")


class EmailConnector:
    """Sends events over SMTP (`smtp://host:port`, `smtps://` for implicit TLS, `?starttls=1`)."""

    kind = DeskKind.EMAIL

    def __init__(self, config: DeskConfig) -> None:
        url = urlsplit(config.url)
        query = parse_qs(url.query)
        self.implicit_tls = url.scheme == "smtps"
        self.scheme = url.scheme
        self.host = url.hostname or "localhost"
        self.port = url.port or (465 if self.implicit_tls else 25)
        self.starttls = bool(config.mappings.get("starttls")) or query.get("starttls") == ["1"]
        self.sender = str(config.mappings.get("from") or "")
        to = config.mappings.get("to") or []
        self.recipients = [to] if isinstance(to, str) else [str(a) for a in to]
        self.username = config.credentials.get("username")
        self.password = config.credentials.get("password", "")
        self.timeout = config.timeout
        self.domain = self.sender.rpartition("@")[2].strip(">") or "groupdesk.invalid"
        self.installation = config.installation

    def message_id(self, group_ref: str, event_id: str | None = None) -> str:
        """Stable Message-IDs: a re-sent event keeps its id, so duplicates are recognisable."""
        if event_id is None:
            return f"<{group_ref}.opened@{self.domain}>"
        part = event_id
        if _ID_PART.search(event_id):
            part = hashlib.sha256(event_id.encode()).hexdigest()[:32]
        return f"<{part}.{group_ref}@{self.domain}>"

    async def find(self, group_ref: str) -> RemoteTicket | None:
        """E-mail offers no lookup."""
        return None

    async def create(self, ticket: DeskTicket) -> RemoteTicket:
        """Send the opening message; the gateway files it as a new local ticket."""
        body = render.description(ticket, self.installation)
        msg = self._message(ticket, f"{_tag(ticket)} {ticket.title}", body, datetime.now(UTC))
        msg["Message-ID"] = self.message_id(ticket.group_ref)
        msg["X-Groupdesk-Event"] = "ticket.opened"
        await self._run(lambda: self._deliver(msg))
        return RemoteTicket(id=ticket.group_ref, ref=ticket.group_ref)

    async def apply(self, remote: RemoteTicket, event: DeskEvent) -> None:
        """Send the event as a reply in the opening message's thread."""
        ticket = event.ticket
        subject = f"Re: {_tag(ticket)} {ticket.title} - {render.headline(event).rstrip('.')}"
        body = render.comment(event) + "\n\n-- \n" + _facts(ticket, event)
        msg = self._message(ticket, subject, body, event.occurred_at)
        opening = self.message_id(ticket.group_ref)
        msg["Message-ID"] = self.message_id(ticket.group_ref, event.event_id)
        msg["In-Reply-To"] = opening
        msg["References"] = opening
        msg["X-Groupdesk-Event"] = event.kind.value
        await self._run(lambda: self._deliver(msg))

    def _message(self, ticket: DeskTicket, subject: str, body: str, when: datetime) -> EmailMessage:
        if not self.sender or not self.recipients:
            raise DeskError("e-mail desk mappings need a `from` and a `to` address", retryable=False)
        msg = EmailMessage()
        msg["From"] = self.sender
        msg["To"] = ", ".join(self.recipients)
        msg["Subject"] = subject
        msg["Date"] = format_datetime(when if when.tzinfo else when.replace(tzinfo=UTC))
        msg["X-Groupdesk-Ref"] = ticket.group_ref
        # Keeps Exchange out-of-office answers from looping back into the group.
        msg["X-Auto-Response-Suppress"] = "All"
        msg.set_content(body, cte="quoted-printable")
        return msg

    def _connect(self) -> smtplib.SMTP:
        """An SMTP session, with TLS and login as configured (runs in a worker thread)."""
        if self.scheme not in ("smtp", "smtps"):
            raise DeskError(f"e-mail desk URL must start with smtp:// or smtps://, not {self.scheme!r}",
                            retryable=False)
        if self.implicit_tls:
            context = ssl.create_default_context()
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            smtp.ehlo()
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if self.username:
                smtp.login(self.username, self.password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _deliver(self, msg: EmailMessage) -> None:
        with self._connect() as smtp:
            smtp.send_message(msg)

    async def _run(self, work: Callable[[], T]) -> T:
        """Run blocking smtplib work in a thread and word its failures for an admin."""
        where = f"{self.host}:{self.port}"
        try:
            return await asyncio.to_thread(work)
        except DeskError:
            raise
        except smtplib.SMTPAuthenticationError as exc:
            raise DeskError(f"SMTP login failed at {where}: {_reply(exc)}", retryable=False) from None
        except smtplib.SMTPNotSupportedError as exc:
            raise DeskError(f"SMTP server {where} does not offer {exc}", retryable=False) from None
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise DeskError(f"SMTP server {where} refused the recipients: {exc.recipients}",
                            retryable=all(400 <= c < 500 for c in codes)) from None
        except smtplib.SMTPResponseException as exc:
            raise DeskError(f"SMTP server {where} refused the message: {_reply(exc)}",
                            retryable=400 <= exc.smtp_code < 500, code=exc.smtp_code) from None
        except ssl.SSLCertVerificationError as exc:
            raise DeskError(f"SMTP server {where} has an untrusted certificate: {exc.verify_message}",
                            retryable=False) from None
        except (smtplib.SMTPException, OSError) as exc:
            reason = str(exc) or type(exc).__name__
            if isinstance(exc, ConnectionRefusedError):
                reason = "connection refused"
            raise DeskError(f"SMTP server unreachable at {where}: {reason}", retryable=True) from None

    async def check(self) -> CheckResult:
        """Connect, negotiate TLS and log in as configured, then NOOP."""
        def probe() -> Any:
            with self._connect() as smtp:
                return smtp.noop()[0]

        if not self.sender or not self.recipients:
            return CheckResult(CheckOutcome.NOT_CONFIGURED,
                               "e-mail desk mappings need a `from` and a `to` address")
        try:
            await self._run(probe)
        except DeskError as exc:
            return CheckResult.failed(exc)
        login = f" as {self.username}" if self.username else ""
        return CheckResult(CheckOutcome.OK, f"SMTP server {self.host}:{self.port} accepts us{login}; "
                                            f"mail goes from {self.sender} to {', '.join(self.recipients)}")

    async def aclose(self) -> None:
        """Nothing to release: each delivery opens its own SMTP session."""


def _tag(ticket: DeskTicket) -> str:
    """Subject refs: the group ref, then the local ref once known (gateways match either)."""
    tag = render.ref_prefix(ticket.group_ref)
    return f"{tag} [{ticket.local_ref}]" if ticket.local_ref else tag


def _facts(ticket: DeskTicket, event: DeskEvent) -> str:
    _ = gettext_for(ticket.language)
    facts = [(_("Group ticket"), f"{ticket.group_ref} - {ticket.title}"), (_("School"), ticket.school),
             (_("Service"), render.service_path(ticket)), (_("Priority"), ticket.priority),
             (_("State"), ticket.state)]
    if ticket.local_ref:
        facts.append((_("Local ticket"), ticket.local_ref))
    facts.append((_("Event"), f"{event.kind.value} ({event.event_id})"))
    return render.fact_lines(facts)


def _reply(exc: smtplib.SMTPResponseException) -> str:
    error = exc.smtp_error
    text = error.decode(errors="replace") if isinstance(error, bytes) else str(error)
    return f"{exc.smtp_code} {text}"
