"""Sinks: one module per destination. A sink knows its destination and nothing of checks."""
