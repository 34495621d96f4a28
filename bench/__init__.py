"""Benchmarks: `python -m bench.harness` puts shardline side by side with its peers (see docs/benchmarks.md)."""
