"""Unit tests of the benchmark harness (run: .venv/bin/pytest -q -p no:cacheprovider bench/tests)."""
