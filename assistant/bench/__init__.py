"""Benchmarks at scale: a synthetic corpus generator (``generate``) and the benchmark itself (``run``)."""
