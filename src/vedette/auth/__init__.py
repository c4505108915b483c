"""Unauthorized access attempts: read authentication logs, count attempts, detect attacks."""
