"""Service levels over GraphQL: a ticket's clock, a sub-service's targets and estimated delay."""
