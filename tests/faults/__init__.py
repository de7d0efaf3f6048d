"""Fault injection between the API and PostgreSQL."""
