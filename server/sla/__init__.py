"""Service levels: the business calendar, targets per sub-service and priority, ticket clocks and
the escalation sweep that acts when a clock crosses 75% or 100% of a target."""
