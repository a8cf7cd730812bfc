"""iTop REST/JSON calls: authentication, the always-200 protocol, codes turned into DeskError."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import httpx

from tenants.desks.base import DeskConfig, DeskError
from tenants.desks.transport import HttpDesk

API_VERSION = "1.3"

# iTop REST result codes (RestResult constants).
OK = 0
UNAUTHORIZED = 1
INTERNAL_ERROR = 100

# Code 100 covers both refusals (bad field, invalid stimulus) and server trouble; only the latter
# may pass by itself, so only database contention and lost connections are worth retrying.
_TRANSIENT = re.compile(
    r"deadlock|lock wait timeout|server has gone away|lost connection|too many connections",
    re.IGNORECASE,
)

Key = int | str | Mapping[str, Any]


def oql_quote(value: str) -> str:
    """An OQL string literal; OQL escapes quotes and backslashes with a backslash."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _clean(message: str) -> str:
    """Drop iTop's `Error: ` prefix: the DeskError message already says where it comes from."""
    message = (message or "").strip()
    return message[len("Error: ") :] if message.startswith("Error: ") else message


class ItopClient:
    """Posts operations to `{url}/webservices/rest.php?version=1.3` and checks every answer."""

    def __init__(self, config: DeskConfig, http: httpx.AsyncClient | None) -> None:
        self.base_url = config.url.rstrip("/")
        self.endpoint = f"{self.base_url}/webservices/rest.php"
        self.credentials = config.credentials
        self._desk = HttpDesk("iTop", self.base_url, config.timeout, http)

    def _auth(self) -> dict[str, str]:
        creds = self.credentials
        if creds.get("token"):
            return {"auth_token": creds["token"]}
        if creds.get("user") and creds.get("password") is not None:
            return {"auth_user": creds["user"], "auth_pwd": creds["password"]}
        raise DeskError(
            "iTop credentials are incomplete: set either `token` or `user` and `password`",
            retryable=False,
        )

    async def call(self, operation: str, **params: Any) -> dict[str, Any]:
        """Run one operation and return the decoded answer, or raise DeskError."""
        form = {**self._auth(), "json_data": json.dumps({"operation": operation, **params})}
        response = await self._desk.request(
            "POST", self.endpoint, params={"version": API_VERSION}, data=form
        )
        if response.status_code != 200:
            # iTop itself always answers 200: anything else comes from the web server or a proxy.
            raise self._desk.status_error(response)
        try:
            answer = response.json()
        except ValueError:
            raise DeskError(
                f"iTop at {self.base_url} did not answer with JSON: is this the iTop root URL "
                "and is the REST API enabled?",
                retryable=False,
            ) from None
        if not isinstance(answer, dict) or "code" not in answer:
            raise DeskError(f"iTop at {self.base_url} gave an unexpected answer", retryable=False)
        self._raise_for_code(answer)
        return answer

    def _raise_for_code(self, answer: Mapping[str, Any]) -> None:
        code = int(answer.get("code", INTERNAL_ERROR))
        message = _clean(str(answer.get("message") or ""))
        if code == OK:
            for obj in (answer.get("objects") or {}).values():
                if int(obj.get("code", OK)) != OK:
                    raise DeskError(f"iTop refused: {_clean(obj.get('message', ''))}", retryable=False)
            return
        if code == UNAUTHORIZED:
            # Code 1 is a bad login or missing rights: the message tells which.
            if "invalid login" in message.lower():
                raise DeskError(f"iTop login failed: {message}", retryable=False, code=code)
            raise DeskError(f"iTop account lacks rights: {message}", retryable=False, code=code)
        retryable = code == INTERNAL_ERROR and bool(_TRANSIENT.search(message))
        label = "iTop refused" if code == INTERNAL_ERROR else f"iTop refused the call (code {code})"
        raise DeskError(f"{label}: {message}", retryable=retryable, code=code)

    async def get(self, cls: str, key: Key, output_fields: str) -> list[dict[str, Any]]:
        """core/get: the `fields` of every matching object (possibly none)."""
        answer = await self.call("core/get", **{"class": cls}, key=key, output_fields=output_fields)
        objects = answer.get("objects") or {}
        return [dict(obj.get("fields") or {}, key=obj.get("key")) for obj in objects.values()]

    async def write(self, operation: str, cls: str, **params: Any) -> dict[str, Any]:
        """create/update/apply_stimulus: the `fields` of the single object written."""
        answer = await self.call(operation, **{"class": cls}, **params)
        objects = list((answer.get("objects") or {}).values())
        if len(objects) != 1:
            raise DeskError(f"iTop answered {operation} without the object written", retryable=False)
        return dict(objects[0].get("fields") or {}, key=objects[0].get("key"))

    async def aclose(self) -> None:
        """Close the HTTP client if we own it."""
        await self._desk.aclose()
