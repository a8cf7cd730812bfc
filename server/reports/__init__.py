"""Reporting and observability: dashboard figures (stats), CSV exports, Prometheus metrics."""
