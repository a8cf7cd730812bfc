"""Clocks that tests move by hand: time-based rules are tested without waiting."""

from __future__ import annotations

import datetime as dt

from server.db import utcnow


class SteppedClock:
    """Starts at the real time and only moves when told to (never backwards)."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


class ManualClock:
    """A monotonic clock (seconds, as time.monotonic) the test moves forward by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
