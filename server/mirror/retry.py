"""The retry policy shared by the broker path and the embedded relay: dramatiq's Retries semantics."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

from dramatiq.common import compute_backoff

from server.config import Settings


class ActorOptions(TypedDict):
    """The options of `dramatiq.actor` that a RetryPolicy sets."""

    max_retries: int
    min_backoff: int
    max_backoff: int


@dataclass(frozen=True)
class RetryPolicy:
    """`max_retries` retries after the first failure, each after an exponential, jittered backoff.

    The same numbers configure the dramatiq actor (max_retries, min_backoff, max_backoff) and the
    embedded relay, and the delay comes from dramatiq's own `compute_backoff`, so both paths wait
    the same way: min_backoff * 2^(failures-1), up to twice that with jitter, capped at max_backoff.
    """

    max_retries: int = 8
    min_backoff_ms: int = 15_000
    max_backoff_ms: int = 3_600_000

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        return cls(settings.mirror_max_retries, settings.mirror_min_backoff_ms,
                   settings.mirror_max_backoff_ms)

    def backoff_ms(self, failures: int) -> int:
        """Milliseconds to wait after the `failures`-th consecutive failure (1 for the first)."""
        _, delay = compute_backoff(max(failures - 1, 0), factor=self.min_backoff_ms,
                                   max_backoff=self.max_backoff_ms)
        return delay

    def gives_up(self, failures: int) -> bool:
        """Whether `failures` consecutive failures exhaust the retries (the first try is no retry)."""
        return failures > self.max_retries

    def actor_options(self) -> ActorOptions:
        """The same policy as dramatiq actor options."""
        return {"max_retries": self.max_retries, "min_backoff": self.min_backoff_ms,
                "max_backoff": self.max_backoff_ms}
