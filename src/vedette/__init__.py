"""Vedette: security and privacy monitoring that speaks events, metrics and reports."""

__version__ = "0.1.0"
