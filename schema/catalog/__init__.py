"""Catalogue over GraphQL: bricks, services, sub-services; their queries and administration."""
