"""Benchmarks: scripts that print figures (``python bench/run.py``); not tests."""
