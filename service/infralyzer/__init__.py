"""Infralyzer: open FinOps analytics for AWS Data Exports (Python side of the dbt project)."""

__version__ = "0.1.0"
