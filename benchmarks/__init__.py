"""Benchmarks with targets (`make bench`): throughput of the local API and memory of each function."""
