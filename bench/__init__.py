"""Benchmarks: `python -m bench.meeting --phones N --questions K` (results in docs/performance.md)."""
