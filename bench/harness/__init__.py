"""The benchmark harness: installs and starts the peers, drives the same workloads against each, writes the report."""
