"""Background work: the periodic scheduler (and, later, broker actors and the outbox relay)."""
