"""Compiled execution of the documents the clients send most (ticket lists and look-ups).

planner.py collects a document's fields once into a plan, rows.py reads what the plan needs in a
fixed number of statements, serializer.py writes the response from those rows, fallback.py
counts and logs what is left to graphql-core; execution.py puts them in graphql-core's place.
"""
