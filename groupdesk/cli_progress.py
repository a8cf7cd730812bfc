"""How `groupdesk load` shows its progress: a live line per section on a terminal, one summary otherwise."""

from __future__ import annotations

import sys
import time
from typing import TextIO

UNITS = {"tenants": "tenants", "users": "users", "catalogue": "bricks", "designations": "designations"}


class LoadProgress:
    """Called as (section, done, total) by the import; a terminal sees each section advance."""

    def __init__(self, stream: TextIO | None = None, *, live: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        # A log file or a pipe gets no carriage returns, only the final summary line.
        self.live = self.stream.isatty() if live is None else live
        self.totals: dict[str, int] = {}
        self.started = time.monotonic()
        self._open: str | None = None

    def __call__(self, section: str, done: int, total: int) -> None:
        self.totals[section] = total
        if not self.live:
            return
        if self._open not in (None, section):
            self.stream.write("\n")
        self._open = section
        self.stream.write(f"\rgroupdesk: {section:<12} {done:>6}/{total} {UNITS.get(section, '')}")
        if done >= total:
            self.stream.write("\n")
            self._open = None
        self.stream.flush()

    def summary(self) -> str:
        parts = ", ".join(f"{self.totals[s]} {UNITS[s]}" for s in UNITS if s in self.totals)
        return f"groupdesk: read {parts or 'nothing'} in {time.monotonic() - self.started:.1f} s"

    def finish(self) -> None:
        if self._open is not None:
            self.stream.write("\n")
        if not self.live:
            print(self.summary(), file=self.stream, flush=True)
