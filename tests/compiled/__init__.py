"""Compiled execution: the planner against graphql-core."""
