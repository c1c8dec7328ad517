"""Questions answered by a model on Amazon Bedrock (`INFRALYZER_LLM=bedrock`): the Converse API
with tool use, over the MCP server's own tools (all but `ask`; `run_sql` only for analyst keys).

The model only chooses tools and arguments; each call runs as the caller's key would run it over
MCP, so a table outside the marts, SQL the guard refuses or an account outside the key's scope
is refused there, and the refusal goes back to the model as a failed tool result. The answer
carries every call (refused ones too), the numbers of the calls that succeeded, their queries
and the marts they read: the model's text is never the only source of a figure.
"""

from __future__ import annotations

from typing import Any

import anyio.to_thread

from infralyzer.api.auth import Principal
from infralyzer.api.errors import ApiError
from infralyzer.mcp.calls import call_tool

SYSTEM = """\
You answer questions about AWS costs for a FinOps team with the tools given; they read dbt marts
built from AWS Data Exports. Prefer query_metrics (MetricFlow computes every figure) after
list_metrics and get_dimensions; use run_sql only when no metric answers. Use only numbers that a
tool returned, never compute or estimate figures yourself, and say which metric or SQL you used
and for which billing periods. If the tools cannot answer, say so plainly."""
DATA_TOOLS = frozenset({"query_metrics", "query_saved_query", "run_sql", "top_savings_actions", "anomalies",
                        "forecast_vs_budget", "kpi_status", "get_dimension_values"})


def make_client(settings: Any) -> Any:
    """A bedrock-runtime client as configured (region, profile)."""
    import boto3

    session = boto3.Session(profile_name=settings.bedrock_profile, region_name=settings.bedrock_region)
    return session.client("bedrock-runtime")


def _client(server: Any) -> Any:
    client = getattr(server, "bedrock_client", None)
    if client is None:
        client = server.bedrock_client = make_client(server.runtime.settings)
    return client


async def tool_config(server: Any, principal: Principal) -> dict[str, Any]:
    """The tools as Converse `toolSpec`s: their MCP names, descriptions and input schemas."""
    specs = []
    for tool in await server.list_tools():
        if tool.name == "ask" or (tool.name == "run_sql" and principal.role != "analyst"):
            continue
        specs.append({"toolSpec": {"name": tool.name, "description": tool.description or tool.name,
                                   "inputSchema": {"json": tool.input_schema}}})
    return {"tools": specs}


async def converse_answer(server: Any, principal: Principal, question: str) -> dict[str, Any]:
    from botocore.exceptions import BotoCoreError, ClientError

    settings = server.runtime.settings
    client = _client(server)
    config = await tool_config(server, principal)
    messages: list[dict[str, Any]] = [{"role": "user", "content": [{"text": question}]}]
    calls: list[dict[str, Any]] = []
    last: dict[str, Any] | None = None
    text = ""
    while True:
        try:
            response = await anyio.to_thread.run_sync(lambda: client.converse(
                modelId=settings.bedrock_model_id, system=[{"text": SYSTEM}], messages=messages,
                toolConfig=config, inferenceConfig={"temperature": 0.0}))
        except (ClientError, BotoCoreError) as error:
            raise ApiError(503, "llm_unavailable", "Amazon Bedrock did not answer.",
                           {"reason": str(error)[:300]}) from error
        message = response["output"]["message"]
        messages.append(message)
        uses = [block["toolUse"] for block in message.get("content", []) if "toolUse" in block]
        if response.get("stopReason") != "tool_use" or not uses:
            text = "".join(block.get("text", "") for block in message.get("content", []))
            break
        results = []
        for use in uses:
            call: dict[str, Any] = {"tool": use["name"], "arguments": use.get("input") or {}}
            try:
                if len(calls) >= settings.bedrock_max_tool_calls:
                    raise ApiError(429, "too_many_tool_calls", "This question made as many tool calls as it may.")
                answer = await call_tool(server, principal, use["name"], call["arguments"])
                call.update(status="success", marts=answer.get("marts", []))
                if use["name"] in DATA_TOOLS:
                    last = {**call, "answer": answer}
                results.append({"toolResult": {"toolUseId": use["toolUseId"], "content": [{"json": answer}],
                                               "status": "success"}})
            except ApiError as error:
                call.update(status="refused", error=error.error, message=error.message)
                results.append({"toolResult": {"toolUseId": use["toolUseId"], "status": "error", "content": [
                    {"json": {"error": error.error, "message": error.message}}]}})
            calls.append(call)
        messages.append({"role": "user", "content": results})
        if len(calls) > settings.bedrock_max_tool_calls:
            text = "Stopped: the question needed more tool calls than allowed."
            break
    answer = last["answer"] if last else {}
    marts = sorted({m for c in calls if c["status"] == "success" for m in c["marts"]})
    return {"answered": last is not None, "method": "bedrock", "model": settings.bedrock_model_id,
            "question": question, "answer": text, "tool_calls": calls,
            "query": {"tool": last["tool"], "arguments": last["arguments"]} if last else None,
            "sql": answer.get("sql"), "marts": marts, "data": answer.get("data", []),
            "row_count": answer.get("row_count", 0), "truncated": answer.get("truncated", False),
            **({} if last else {"message": "The model's tool calls returned no numbers: nothing is answered."})}
