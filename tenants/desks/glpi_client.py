"""GLPI legacy REST API (apirest.php): session handling and GLPI's `["ERROR_…", "text"]` errors."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tenants.desks.base import DeskConfig, DeskError
from tenants.desks.transport import HttpDesk, is_retryable_status

# GLPI error codes that mean "you are not logged in properly", with what an admin should check.
_LOGIN_HINTS = {
    "ERROR_GLPI_LOGIN_USER_TOKEN": "the user token is invalid (check the API user's remote access key)",
    "ERROR_GLPI_LOGIN": "GLPI rejected the login",
    "ERROR_LOGIN_PARAMETERS_MISSING": "no user token was sent",
    "ERROR_WRONG_APP_TOKEN_PARAMETER": "the App-Token is wrong (Setup > General > API > API clients)",
    "ERROR_APP_TOKEN_PARAMETERS_MISSING": "this GLPI requires an App-Token",
    "ERROR_NOT_ALLOWED_IP": "the API client does not accept calls from this address",
    "ERROR_SESSION_TOKEN_INVALID": "the session was refused right after logging in",
}
_HINTS = {
    "ERROR_RIGHT_MISSING": "the API user's profile lacks the right for this action",
    "ERROR_ITEM_NOT_FOUND": "item not found",
}


def glpi_error(response: httpx.Response) -> tuple[str | None, str]:
    """The (code, text) of a GLPI error answer, or (None, "") when it is not one."""
    try:
        body = response.json()
    except ValueError:
        return None, ""
    if isinstance(body, list) and body and isinstance(body[0], str) and body[0].startswith("ERROR"):
        return body[0], str(body[1]) if len(body) > 1 else ""
    return None, ""


class GlpiClient:
    """Calls `{url}/apirest.php/...` with a Session-Token, logging in again once when it expires."""

    def __init__(self, config: DeskConfig, http: httpx.AsyncClient | None) -> None:
        self.base_url = config.url.rstrip("/")
        self.api = f"{self.base_url}/apirest.php"
        self.credentials = config.credentials
        self.session: str | None = None
        self._desk = HttpDesk("GLPI", self.base_url, config.timeout, http)
        self._lock = asyncio.Lock()

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if self.credentials.get("app_token"):
            headers["App-Token"] = self.credentials["app_token"]
        return headers

    async def open_session(self) -> str:
        """initSession with the user token; returns the Session-Token."""
        user_token = self.credentials.get("user_token")
        if not user_token:
            raise DeskError("GLPI credentials need a user_token (and app_token if required)", retryable=False)
        headers = {**self._headers(), "Authorization": f"user_token {user_token}"}
        response = await self._desk.request("GET", f"{self.api}/initSession", headers=headers)
        if response.status_code == 200:
            body = self.json(response)
            token = body.get("session_token") if isinstance(body, dict) else None
            if token:
                return str(token)
        raise self.error(response, login=True)

    async def _session(self) -> str:
        async with self._lock:
            if self.session is None:
                self.session = await self.open_session()
            return self.session

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One API call; a 401 on a session that used to work triggers a single new login."""
        session = await self._session()
        response = await self._send(method, path, session, **kwargs)
        if response.status_code == 401:
            # GLPI drops idle sessions (session.gc_maxlifetime): log in again, once.
            async with self._lock:
                if self.session == session:
                    self.session = None
            session = await self._session()
            response = await self._send(method, path, session, **kwargs)
        if response.status_code >= 400:
            raise self.error(response)
        return response

    async def _send(self, method: str, path: str, session: str, **kwargs: Any) -> httpx.Response:
        headers = {**self._headers(), "Session-Token": session}
        return await self._desk.request(method, f"{self.api}/{path}", headers=headers, **kwargs)

    def error(self, response: httpx.Response, *, login: bool = False) -> DeskError:
        """A DeskError worded from GLPI's error code, or from the HTTP status if there is none."""
        code, text = glpi_error(response)
        if code is None:
            return self._desk.status_error(response)
        retryable = is_retryable_status(response.status_code)
        if login or code in _LOGIN_HINTS:
            return DeskError(f"GLPI login failed: {_LOGIN_HINTS.get(code, text)} ({code})",
                             retryable=retryable, code=code)
        detail = _HINTS.get(code, text)
        if text and detail != text:
            detail += f": {text}"
        return DeskError(f"GLPI refused: {detail} ({code})", retryable=retryable, code=code)

    def json(self, response: httpx.Response) -> Any:
        """The decoded body, or a DeskError naming what the URL probably points to."""
        try:
            return response.json()
        except ValueError:
            raise DeskError(
                f"GLPI at {self.base_url} did not answer with JSON: is this the GLPI root URL "
                "and is the REST API enabled?",
                retryable=False,
            ) from None

    async def aclose(self) -> None:
        """killSession (best effort) and close the HTTP client if we own it."""
        if self.session is not None:
            try:
                await self._send("GET", "killSession", self.session)
            except DeskError:
                pass  # the session expires on its own; closing must not fail
            self.session = None
        await self._desk.aclose()
