"""Benchmarks: `python -m bench [NAME ...]` runs bench/NAME_bench.py (all of them by default)."""
