"""Questions in plain language (`POST /ai/ask`, the MCP `ask` tool): a question becomes a metric
query (or, with a model, guarded SQL) that runs through the MCP server's own tools, and the answer
is the numbers, the query used and the marts read.

Without a model (the default) the deterministic parser over the semantic manifest answers
(infralyzer.ask.parser); with `INFRALYZER_LLM=bedrock`, Amazon Bedrock's Converse API chooses and
calls the same tools (infralyzer.ask.bedrock). Either way every number comes from a tool call
with the caller's key: a model cannot reach a table or an account the key cannot.
"""

from __future__ import annotations

from typing import Any

from infralyzer.api.auth import Principal
from infralyzer.api.errors import ApiError
from infralyzer.ask.bedrock import converse_answer
from infralyzer.ask.parser import Parsed, parse
from infralyzer.mcp.calls import call_tool


async def answer_question(server: Any, principal: Principal, question: str) -> dict[str, Any]:
    """The answer to `question` from the tools of `server` (infralyzer.mcp.server.InfralyzerMCP)."""
    if server.runtime.settings.llm == "bedrock":
        return await converse_answer(server, principal, question)
    catalogue = await server.toolbox.metric_catalogue(principal)  # the metrics with their dimensions
    anchor = catalogue["freshness"].get("newest_billing_period")
    if not anchor:
        return cannot(question, "The served marts have no billing period yet.", [])
    metrics = catalogue["metrics"]
    parsed = parse(question, metrics, anchor)
    if not isinstance(parsed, Parsed):
        return cannot(question, parsed.reason, parsed.suggestions, parsed.not_understood)
    arguments = parsed.query.model_dump(by_alias=True, exclude_defaults=True)
    arguments = {{"from": "period_from", "to": "period_to"}.get(k, k): v for k, v in arguments.items()}
    try:
        result = await call_tool(server, principal, "query_metrics", arguments)
    except ApiError as error:  # the semantic layer refuses what the parser read: not an answer either
        if error.error != "invalid_metric_query":
            raise
        return cannot(question, f"the semantic layer cannot compute {parsed.interpretation}.", [])
    return {"answered": True, "method": "semantic_parser", "question": question,
            "interpretation": parsed.interpretation, "relative_to": anchor,
            "query": {"tool": "query_metrics", "arguments": arguments}, "sql": result["sql"],
            "marts": result["marts"], "data": result["data"], "row_count": result["row_count"],
            "truncated": result["truncated"]}


def cannot(question: str, reason: str, suggestions: list[dict[str, str]],
           not_understood: list[str] | None = None) -> dict[str, Any]:
    return {"answered": False, "method": "semantic_parser", "question": question,
            "message": f"Cannot answer this question: {reason}", "not_understood": not_understood or [],
            "suggestions": suggestions}
