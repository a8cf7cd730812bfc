"""The daily roll-up `stats` reads for complete past days (server.reports.rollup fills it).

- `stats_day`: per *span* of UTC days (a day, an ISO week from Monday, a month; `day` is its
  first day) and per *grain* (which ticket columns a row is split by; the others are NULL), the
  counts, sums and counts of durations and SLA outcomes of the tickets whose instant falls in
  it; `departed` counts the tickets that left the open set, so a backlog is the sum of
  `opened - departed` over the days before an instant. Week and month rows are the sums of
  their day rows, kept for complete weeks and months: a year reads twelve rows per group.
- `stats_day_histogram`: per the same rows (of the coarser grains), how many durations fell in
  each logarithmic bucket (server.reports.rollup.BUCKET_RATIO): percentiles of large sets are
  estimated from it.
- `stats_dirty_day`: days a change touched after they may have been rolled up; database
  triggers on `ticket` and `ticket_escalation` (migration 0019) write them in the changing
  transaction, whoever the writer is.
- `stats_rollup_state`: the one row saying every day from `rolled_from` (the first ticket's) to
  `rolled_until` (excluded) is rolled up.
"""

from __future__ import annotations

from sqlalchemy import Column, Date, Float, Index, Integer, SmallInteger, Table

from server.catalog.models import PriorityType
from server.db import Base, UTCDateTime

DIMENSIONS = ("tenant_id", "brick_id", "service_id", "sub_service_id", "priority", "assignee_id")
COUNTS = ("opened", "closed", "rejected", "escalations", "departed", "taken", "resolved",
          "take_met", "take_targeted", "resolve_met", "resolve_targeted")
# The four durations: (name, kind of instant, business or wall clock).
DURATIONS = ("take_business", "take_wall", "resolve_business", "resolve_wall")


def _dimensions() -> list[Column[object]]:
    return [Column("tenant_id", Integer), Column("brick_id", Integer), Column("service_id", Integer),
            Column("sub_service_id", Integer), Column("priority", PriorityType),
            Column("assignee_id", Integer)]


stats_day = Table(
    "stats_day", Base.metadata,
    Column("grain", SmallInteger, nullable=False),
    Column("span", SmallInteger, nullable=False),
    Column("day", Date, nullable=False),
    *_dimensions(),
    *[Column(name, Integer, nullable=False) for name in COUNTS],
    *[c for name in DURATIONS for c in (Column(f"{name}_n", Integer, nullable=False),
                                         Column(f"{name}_sum", Float, nullable=False))],
    Index("ix_stats_day_grain_span_day", "grain", "span", "day"),
)

stats_day_histogram = Table(
    "stats_day_histogram", Base.metadata,
    Column("grain", SmallInteger, nullable=False),
    Column("span", SmallInteger, nullable=False),
    Column("day", Date, nullable=False),
    *_dimensions(),
    # Index in DURATIONS.
    Column("measure", SmallInteger, nullable=False),
    Column("bucket", Integer, nullable=False),
    Column("n", Integer, nullable=False),
    Index("ix_stats_day_histogram_grain_span_day", "grain", "span", "day"),
)

stats_dirty_day = Table(
    "stats_dirty_day", Base.metadata,
    Column("day", Date, primary_key=True),
)

stats_rollup_state = Table(
    "stats_rollup_state", Base.metadata,
    Column("id", SmallInteger, primary_key=True),
    Column("rolled_from", Date),
    Column("rolled_until", Date),
    Column("updated_at", UTCDateTime),
)
