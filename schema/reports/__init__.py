"""The GraphQL side of reporting: the `stats` query and its types."""
