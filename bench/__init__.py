"""Benchmarks: scripts that print figures against their baselines (README, "Performance")."""
