"""HTTP plumbing shared by the HTTP desks: one client, network failures turned into DeskError."""

from __future__ import annotations

from typing import Any

import httpx

from tenants.desks.base import DeskError


def unreachable_reason(exc: Exception, timeout: float) -> str:
    """Name a network failure the way an admin would look for it."""
    if isinstance(exc, httpx.TimeoutException):
        return f"no answer within {timeout:g} s"
    # httpx wraps the OS error ("All connection attempts failed"); the cause says what happened.
    chain: list[BaseException] = []
    cursor: BaseException | None = exc
    while cursor is not None and cursor not in chain:
        chain.append(cursor)
        cursor = cursor.__cause__ or cursor.__context__
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        return "connection refused"
    text = str(exc) or type(exc).__name__
    low = " ".join(str(e) for e in chain).lower()
    if "refused" in low:
        return "connection refused"
    if "name or service not known" in low or "nodename nor servname" in low or "name resolution" in low:
        return "host name not found"
    if "certificate" in low:
        return f"TLS certificate problem ({text})"
    return text


def is_retryable_status(status: int) -> bool:
    """Statuses worth retrying: the desk or a proxy asked us to come back later."""
    return status in (408, 425, 429) or status >= 500


class HttpDesk:
    """An httpx client (shared or owned) that only ever raises DeskError for transport problems."""

    def __init__(self, label: str, base_url: str, timeout: float, http: httpx.AsyncClient | None) -> None:
        self.label = label
        self.base_url = base_url
        self.timeout = timeout
        self._owns = http is None
        self._http = http if http is not None else httpx.AsyncClient(timeout=timeout)

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send one request; network errors become retryable DeskErrors, bad URLs final ones."""
        try:
            return await self._http.request(method, url, timeout=self.timeout, **kwargs)
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            raise DeskError(
                f"{self.label} URL {self.base_url!r} is not usable: {exc}", retryable=False
            ) from exc
        except (httpx.TransportError, OSError) as exc:
            reason = unreachable_reason(exc, self.timeout)
            raise DeskError(f"{self.label} unreachable at {self.base_url}: {reason}", retryable=True) from exc

    def status_error(self, response: httpx.Response, detail: str = "") -> DeskError:
        """A DeskError for an HTTP status the desk protocol does not explain itself."""
        phrase = response.reason_phrase or ""
        text = f"{self.label} at {self.base_url} answered HTTP {response.status_code} {phrase}".rstrip()
        if detail:
            text += f": {detail}"
        elif response.status_code == 404:
            text += " (check the desk URL)"
        return DeskError(text, retryable=is_retryable_status(response.status_code), code=response.status_code)

    async def aclose(self) -> None:
        """Close the client only if this desk created it."""
        if self._owns:
            await self._http.aclose()
