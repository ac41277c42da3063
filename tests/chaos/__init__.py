"""Chaos tests: seeded random faults and load, checked against the reliability invariants."""
