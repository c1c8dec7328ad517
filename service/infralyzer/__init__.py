"""Infralyzer: open FinOps analytics for AWS Data Exports (Python side of the dbt project)."""

__version__ = "0.1.0"


def __getattr__(name: str):  # `from infralyzer import connect` without loading the client for the CLI
    if name == "connect":
        from infralyzer.client import connect

        return connect
    raise AttributeError(f"module 'infralyzer' has no attribute {name!r}")
