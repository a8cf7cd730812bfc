"""Tickets over GraphQL: the ticket and its comments and history, lists, rules and mutations."""
