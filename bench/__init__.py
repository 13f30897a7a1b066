"""Benchmarks for kzbot: matching latency at several knowledge-base sizes, start-up, and end to end.

Run with `make bench` (or `python -m bench`). One run prints one table and writes it to docs/benchmarks.md.
Not part of `make test`: the figures depend on the machine, so they are reported, never asserted.
"""
