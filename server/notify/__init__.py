"""Notifications: who is told of a ticket's changes, in the app and by mail (through an outbox)."""
