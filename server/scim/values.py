"""Checking what a provider sends against what the columns hold, naming the SCIM attribute."""

from __future__ import annotations

from typing import Any

from server.errors import FieldError, ValidationFailed

MAX_EMAILS = 10
EMAIL_MAX = 320


def parse_id(raw: str | None) -> int | None:
    """A resource id as stored (an integer), or None for anything else: such ids name nothing."""
    if raw is None or not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        return None
    return int(raw)


class FieldReader:
    """Reads attributes one by one and reports every problem at once."""

    def __init__(self) -> None:
        self.problems: list[FieldError] = []

    def problem(self, field: str, message: str) -> None:
        self.problems.append(FieldError(field, message))

    def text(self, field: str, value: str | None, limit: int) -> str | None:
        if value is None:
            return None
        if len(value) > limit:
            self.problem(field, f"at most {limit} characters (got {len(value)})")
            return None
        return value

    def required(self, field: str, value: str | None, limit: int) -> str:
        if value is None or not value.strip():
            self.problem(field, "required")
            return ""
        return self.text(field, value, limit) or ""

    def username(self, field: str, value: str | None) -> str:
        name = self.required(field, value, 150)
        if name and any(ch.isspace() or not ch.isprintable() for ch in name):
            self.problem(field, "must not contain spaces or control characters")
        return name

    def primary_email(self, field: str, emails: list[dict[str, Any]]) -> str | None:
        """The address groupdesk writes to: the primary one, else the first."""
        if len(emails) > MAX_EMAILS:
            self.problem(field, f"at most {MAX_EMAILS} addresses")
            return None
        for entry in emails:
            value = entry.get("value")
            if not isinstance(value, str) or not value.strip():
                self.problem(field, "every address needs a value")
                return None
            if len(value) > EMAIL_MAX:
                self.problem(field, f"an address has at most {EMAIL_MAX} characters")
                return None
        chosen = next((e for e in emails if e.get("primary") is True), emails[0] if emails else None)
        return chosen["value"] if chosen else None

    def raise_problems(self) -> None:
        if self.problems:
            raise ValidationFailed(self.problems)
