"""Identity over GraphQL: tenants, users, the viewer, expert designations and API tokens."""
