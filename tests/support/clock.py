"""A clock that tests move by hand: time-based rules are tested without waiting."""

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
