"""The outside services some tests need (Redis, RabbitMQ): skip or fail at once, with the reason.

A test needing a broker that does not answer would otherwise wait for a delivery that never
comes. Locally such a test is skipped with the address it tried; with
GROUPDESK_TEST_REQUIRE_BROKERS=1 (as CI sets) it fails instead, so a green run proves the broker
tests ran.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlsplit

import pytest

REQUIRE_BROKERS = os.environ.get("GROUPDESK_TEST_REQUIRE_BROKERS") == "1"
DEFAULT_PORTS = {"redis": 6379, "amqp": 5672}


def answers(url: str, timeout: float = 2.0) -> bool:
    """Whether something accepts TCP connections at the URL's host and port."""
    parts = urlsplit(url)
    port = parts.port or DEFAULT_PORTS.get(parts.scheme, 0)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", port), timeout=timeout):
            return True
    except OSError:
        return False


def require_broker(url: str, name: str) -> None:
    """Skip (or, when brokers are required, fail) the calling test if the broker is not there."""
    if answers(url):
        return
    where = url.split("@")[-1]
    reason = f"{name} does not answer at {where}; start it or set its test URL variable (README: What the test suite needs)"
    if REQUIRE_BROKERS:
        pytest.fail(f"GROUPDESK_TEST_REQUIRE_BROKERS=1: {reason}")
    pytest.skip(reason)
