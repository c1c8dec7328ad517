"""Offline SQL checks for Infralyzer (portability of compiled dbt SQL)."""
