"""Wait for a log record instead of polling: the record's emission sets an asyncio.Event."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterator


@contextlib.contextmanager
def logged(logger: str, matches: Callable[[str], bool]) -> Iterator[asyncio.Event]:
    """An event set once `logger` (or a child) emits a record whose message `matches`.

    Safe from any thread: a live server's loop logs in its own thread.
    """
    loop = asyncio.get_running_loop()
    seen = asyncio.Event()

    class Signal(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if matches(record.getMessage()):
                loop.call_soon_threadsafe(seen.set)

    handler = Signal(level=logging.DEBUG)
    target = logging.getLogger(logger)
    target.addHandler(handler)
    try:
        yield seen
    finally:
        target.removeHandler(handler)
