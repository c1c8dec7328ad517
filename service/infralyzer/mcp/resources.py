"""The MCP resources: the marts with their dbt docs, the metric catalogue, and the definitions
table of the README (which cost is which). Each is read with the caller's key, as the tools."""

from __future__ import annotations

import json
from typing import Any

from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError

from infralyzer.api.errors import ApiError
from infralyzer.mcp.calls import api_error_payload
from infralyzer.mcp.runtime import CALLER
from infralyzer.mcp.tools import Toolbox

DEFINITIONS_HEADING = "## Definitions (which number is which)"


def definitions_table(readme: str) -> str:
    """The README's definitions section: its heading down to the next heading."""
    start = readme.find(DEFINITIONS_HEADING)
    if start < 0:
        return ""
    end = readme.find("\n## ", start + len(DEFINITIONS_HEADING))
    return readme[start:end if end >= 0 else len(readme)].strip() + "\n"


async def _read(function: Any, *args: Any) -> str:
    principal = CALLER.get()
    if principal is None:  # pragma: no cover - InfralyzerMCP.read_resource always sets it
        raise ResourceError("An API key is required.")
    try:
        return json.dumps(await function(principal, *args), default=str)
    except ApiError as error:
        payload = api_error_payload(error)
        if error.status_code == 404:
            raise ResourceNotFoundError(payload) from error
        raise ResourceError(payload) from error


def register(server: Any, box: Toolbox) -> None:
    """The resources of `server` (infralyzer.mcp.server.InfralyzerMCP), read through `box`."""
    @server.resource("infralyzer://marts", name="marts", mime_type="application/json",
                     description="The published marts you may read: dbt description, row count, account column "
                                 "and every column with its type and dbt description.")
    async def marts() -> str:
        return await _read(box.list_marts)

    @server.resource("infralyzer://marts/{mart}", name="mart", mime_type="application/json",
                     description="One mart: its dbt docs, columns, account column and scope.")
    async def mart(mart: str) -> str:
        return await _read(box.describe_mart, mart)

    @server.resource("infralyzer://metrics", name="metrics", mime_type="application/json",
                     description="The metric catalogue: every metric with label, description, type and the "
                                 "dimensions it can be grouped by (time dimensions with their grains).")
    async def metrics() -> str:
        return await _read(box.metric_catalogue)

    @server.resource("infralyzer://definitions", name="definitions", mime_type="text/markdown",
                     description="Which number is which: billed, effective, net, list cost, coverage, utilisation, "
                                 "savings and the effective savings rate, with the rules they follow.")
    async def definitions() -> str:
        readme = server.runtime.settings.project_dir / "README.md"
        text = definitions_table(readme.read_text()) if readme.is_file() else ""
        if not text:
            raise ResourceNotFoundError("The definitions table (README.md) is not installed with this service.")
        return text
