"""Notification mails: rendered from the outbox row's snapshot (Jinja2, French or English, text and
HTML), threaded per ticket, and sent with aiosmtplib.

A ticket's mails share one thread root, `<GRP-2026-000123@domain>`, named in `In-Reply-To` and
`References`, so mail clients gather them; each mail's own `Message-ID` is made from its outbox id,
so a mail sent twice (delivery is at least once) is recognisable as the same one.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any

import aiosmtplib
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from server.config import Settings
from server.db import utcnow
from server.notify.recipients import NotificationKind
from tenants.i18n import DEFAULT_LANGUAGE, LANGUAGES

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _autoescape(name: str | None) -> bool:
    """HTML parts escape every value (titles and comments are user text); plain text does not."""
    return name is not None and ".html" in name


_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=_autoescape,
                   undefined=StrictUndefined, keep_trailing_newline=True)


@dataclass(frozen=True, slots=True)
class MailSettings:
    """Where mails go and what they say they come from."""

    host: str | None
    port: int = 25
    tls: str = "auto"
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0
    sender: str = "groupdesk <groupdesk@localhost>"
    public_url: str = "http://127.0.0.1:8000"

    @classmethod
    def from_settings(cls, settings: Settings) -> MailSettings:
        return cls(host=settings.smtp_host, port=settings.smtp_port, tls=settings.smtp_tls,
                   username=settings.smtp_username, password=settings.smtp_password,
                   timeout=settings.smtp_timeout_seconds, sender=settings.mail_from,
                   public_url=settings.public_url)

    @property
    def domain(self) -> str:
        return parseaddr(self.sender)[1].rpartition("@")[2] or "groupdesk.invalid"

    def link(self, ref: str) -> str:
        return f"{self.public_url.rstrip('/')}/tickets/{ref}"


@dataclass(frozen=True, slots=True)
class OutgoingMail:
    """What is needed to render one outbox row (copied out of the row: no ORM object travels)."""

    id: int
    kind: str
    address: str
    language: str
    payload: dict[str, Any]


def thread_id(ref: str, domain: str) -> str:
    """The Message-ID every mail of one ticket answers, so that clients thread them."""
    return f"<{ref}@{domain}>"


def render(mail: OutgoingMail, settings: MailSettings) -> EmailMessage:
    """The message for one outbox row: subject, plain text and HTML parts, threading headers."""
    language = mail.language if mail.language in LANGUAGES else DEFAULT_LANGUAGE
    phrases: Any = _env.get_template(f"{language}/phrases.j2").module
    p = mail.payload
    msg = EmailMessage()
    msg["From"] = settings.sender
    msg["To"] = mail.address
    msg["Date"] = format_datetime(utcnow())
    msg["Message-ID"] = f"<mail-{mail.id}.{p.get('ref', 'digest')}@{settings.domain}>"
    # Replies to a notification should not start loops with out-of-office robots.
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Groupdesk-Kind"] = mail.kind
    if mail.kind == NotificationKind.DIGEST.value:
        items = [{**item, "link": settings.link(item["ref"])} for item in p["items"]]
        values = {"name": p.get("name"), "items": items}
        first = "Résumé" if language == "fr" else "Summary"
        msg["Subject"] = f"groupdesk - {first} ({len(items)})"
        text, html = (_env.get_template(f"{language}/digest.{part}.j2").render(**values)
                      for part in ("txt", "html"))
    else:
        values = {"name": p.get("name"), "ref": p["ref"], "title": p["title"], "kind": mail.kind,
                  "payload": p, "message": p.get("message"), "link": settings.link(p["ref"])}
        msg["Subject"] = f"[{p['ref']}] {_one_line(p['title'])} - {phrases.label(mail.kind)}"
        root = thread_id(p["ref"], settings.domain)
        msg["In-Reply-To"] = root
        msg["References"] = root
        msg["X-Groupdesk-Ref"] = p["ref"]
        text, html = (_env.get_template(f"{language}/mail.{part}.j2").render(**values)
                      for part in ("txt", "html"))
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    # After the parts: setting the content clears the Content-* headers.
    msg["Content-Language"] = language
    return msg


def _one_line(text: str) -> str:
    """A header holds one line: a title pasted with line breaks must not break the message."""
    return " ".join(str(text).split())


class SmtpSender:
    """Sends one message through the configured relay; failures raise aiosmtplib's errors."""

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings

    async def send(self, message: EmailMessage) -> None:
        s = self.settings
        if s.host is None:
            raise aiosmtplib.SMTPException("GROUPDESK_SMTP_HOST is not set")
        await aiosmtplib.send(
            message, hostname=s.host, port=s.port, username=s.username, password=s.password,
            use_tls=s.tls == "tls", start_tls={"auto": None, "starttls": True}.get(s.tls, False),
            timeout=s.timeout)
