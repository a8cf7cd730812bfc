"""Messages people read through the API: an English message id with parameters, shown in their language.

`Message("no such {kind}, or not visible to you", kind=...)` is a `str` (its English rendering, so
logs, the CLI and code that only needs text keep working) that also remembers its catalogue id and
parameters. The request boundary renders it in the reader's language with `render`: the language
comes from the request (`reading_in`), never from the code that raised. Parameters that are
messages themselves are rendered in the same language; other parameters (names, numbers, codes)
are shown as they are. Babel extracts the ids from `Message(...)` calls (tests/desks/test_i18n.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from tenants.i18n import DEFAULT_LANGUAGE, LANGUAGES, gettext_for

# The language of the request being served; French (the schools' language) when nothing said otherwise.
_reading: ContextVar[str] = ContextVar("groupdesk_reading_language", default=DEFAULT_LANGUAGE)
_WEIGHTED = re.compile(r"^\s*([A-Za-z]{1,8}(?:[-_][A-Za-z0-9]{1,8})*|\*)\s*(?:;\s*q\s*=\s*([0-9.]+))?\s*$")


class Message(str):
    """An English text with its catalogue id and parameters: `str()` is English, `render` translates."""

    msgid: str
    params: dict[str, Any]

    def __new__(cls, msgid: str, /, **params: Any) -> Message:
        self = super().__new__(cls, msgid.format(**params) if params else msgid)
        self.msgid = msgid
        self.params = params
        return self

    def in_language(self, language: str) -> str:
        """This message in one language (English, or the catalogue's translation of its id)."""
        translated = gettext_for(language)(self.msgid)
        if not self.params:
            return translated
        return translated.format(**{name: in_language(value, language) for name, value in self.params.items()})

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuilt, (self.msgid, self.params))


def _rebuilt(msgid: str, params: dict[str, Any]) -> Message:
    return Message(msgid, **params)


def in_language(text: Any, language: str) -> Any:
    """A message in one language; anything else (a name, a number, a plain str) unchanged."""
    return text.in_language(language) if isinstance(text, Message) else text


def reading_language() -> str:
    """The language of the request being served."""
    return _reading.get()


def render(text: Any) -> Any:
    """A message in the language of the request being served."""
    return in_language(text, _reading.get())


@contextmanager
def reading_in(language: str) -> Iterator[None]:
    """Serve what runs inside in this language (a WebSocket operation, a test)."""
    token = _reading.set(language)
    try:
        yield
    finally:
        _reading.reset(token)


def read_in(language: str) -> None:
    """Serve the rest of the current task in this language (set by the request boundary)."""
    _reading.set(language)


def accepted_language(header: object) -> str | None:
    """The language groupdesk speaks that an Accept-Language header prefers, or None.

    `en-GB,en;q=0.9,fr;q=0.8` is English; `de` and `*` name nothing groupdesk speaks, so the
    reader's own language decides. Malformed parts are ignored.
    """
    if not isinstance(header, str) or not header.strip():
        return None
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:20]):
        match = _WEIGHTED.match(part)
        if match is None:
            continue
        tag, weight = match.group(1), match.group(2)
        try:
            quality = float(weight) if weight is not None else 1.0
        except ValueError:
            continue
        primary = tag.replace("_", "-").split("-")[0].lower()
        if quality > 0 and primary in LANGUAGES:
            ranked.append((-quality, position, primary))
    return min(ranked)[2] if ranked else None


def reader_language(accept_language: object, own: str | None) -> str:
    """What one request reads: the Accept-Language header, then the caller's own, then French.

    `own` is the caller's resolved language (theirs, else their school's: `language_of`).
    """
    return accepted_language(accept_language) or (own if own in LANGUAGES else None) or DEFAULT_LANGUAGE
