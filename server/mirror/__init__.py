"""The mirror of group tickets to the schools' local desks: desk settings, outbox, delivery, inbound."""
