"""The mirror over GraphQL: mirrors and desks for group administrators, desk-integration calls."""
