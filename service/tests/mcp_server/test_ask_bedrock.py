"""Questions answered through Amazon Bedrock's Converse API (INFRALYZER_LLM=bedrock), with
botocore's Stubber replaying the model's turns: the model's tool calls run as the caller's key
would run them over MCP; a forbidden table, refused SQL or an account outside the key's scope
goes back to the model as a failed tool result, and nothing the tools did not return is
answered."""

from __future__ import annotations

import copy
import dataclasses

import anyio
import boto3
import pytest
from botocore.stub import Stubber

from api.api_support import SCOPED_ACCOUNTS
from infralyzer.ask import answer_question
from infralyzer.mcp.runtime import Runtime
from infralyzer.mcp.server import build_server
from mcp_client_support import principal

pytestmark = pytest.mark.e2e

MODEL = "anthropic.claude-3-5-sonnet-20240620-v1:0"
OTHER_ACCOUNT = "999999999999"


@pytest.fixture
def base_runtime(runtime: Runtime) -> Runtime:
    """The shared runtime, configured for Bedrock."""
    settings = runtime.settings.model_copy(update={"llm": "bedrock", "bedrock_model_id": MODEL,
                                                   "bedrock_max_tool_calls": 4})
    return dataclasses.replace(runtime, settings=settings)


def turn(*content: dict, stop: str = "tool_use") -> dict:
    """A Converse response as Bedrock sends it."""
    return {"output": {"message": {"role": "assistant", "content": list(content)}}, "stopReason": stop,
            "usage": {"inputTokens": 2113, "outputTokens": 87, "totalTokens": 2200}, "metrics": {"latencyMs": 1432}}


def use(tool_use_id: str, name: str, arguments: dict) -> dict:
    return {"toolUse": {"toolUseId": tool_use_id, "name": name, "input": arguments}}


def ask(runtime: Runtime, key: str, question: str, *turns: dict) -> tuple[dict, list[dict]]:
    """The answer to `question` with the model's `turns` replayed, and the requests sent to Bedrock."""
    server = build_server(runtime)
    client = boto3.client("bedrock-runtime", region_name="us-east-1", aws_access_key_id="testing",
                          aws_secret_access_key="testing")
    sent: list[dict] = []
    client.meta.events.register("provide-client-params.bedrock-runtime.Converse",
                                lambda params, **_: sent.append(copy.deepcopy(params)))  # as sent then
    server.bedrock_client = client
    with Stubber(client) as stubber:
        for response in turns:
            stubber.add_response("converse", response)
        answer = anyio.run(answer_question, server, principal(key), question)
        stubber.assert_no_pending_responses()
    return answer, sent


def tool_results(request: dict) -> list[dict]:
    return [block["toolResult"] for block in request["messages"][-1]["content"] if "toolResult" in block]


def test_the_model_answers_with_the_numbers_of_its_metric_query(base_runtime):
    arguments = {"metrics": ["effective_cost"], "group_by": ["metric_time__month"]}
    answer, sent = ask(
        base_runtime, "analyst", "What was our effective cost per month?",
        turn({"text": "I'll look at the metrics first."}, use("tooluse_1", "list_metrics", {})),
        turn(use("tooluse_2", "query_metrics", arguments)),
        turn({"text": "Effective cost per month: see the table."}, stop="end_turn"),
    )
    assert answer["answered"] and answer["method"] == "bedrock" and answer["model"] == MODEL
    assert answer["query"] == {"tool": "query_metrics", "arguments": arguments}
    assert answer["marts"] == ["fct_spend_daily"] and len(answer["data"]) == 3
    assert [c["status"] for c in answer["tool_calls"]] == ["success", "success"]
    first = sent[0]
    assert first["modelId"] == MODEL and first["messages"][0]["content"] == [
        {"text": "What was our effective cost per month?"}]
    offered = {t["toolSpec"]["name"] for t in first["toolConfig"]["tools"]}
    assert "run_sql" in offered and "ask" not in offered
    (result,) = tool_results(sent[2])
    assert result["status"] == "success" and result["content"][0]["json"]["data"] == answer["data"]


def test_a_forbidden_table_is_refused_and_nothing_is_answered(base_runtime):
    answer, sent = ask(
        base_runtime, "analyst", "List the tables of the database",
        turn(use("tooluse_1", "run_sql", {"sql": "select * from information_schema.tables"})),
        turn(use("tooluse_2", "run_sql", {"sql": "select * from read_csv('/etc/passwd')"})),
        turn({"text": "I cannot read those tables."}, stop="end_turn"),
    )
    assert not answer["answered"] and answer["data"] == [] and answer["query"] is None
    assert [(c["status"], c["error"]) for c in answer["tool_calls"]] == [("refused", "table_not_allowed"),
                                                                        ("refused", "sql_not_allowed")]
    for request in sent[1:]:
        (result,) = tool_results(request)
        assert result["status"] == "error" and "root:" not in str(result)


def test_a_wrong_account_is_refused_for_a_scoped_key(base_runtime):
    answer, sent = ask(
        base_runtime, "scoped-analyst", f"What did account {OTHER_ACCOUNT} spend?",
        turn(use("tooluse_1", "query_metrics", {"metrics": ["effective_cost"], "filters": [
            {"dimension": "account", "op": "=", "value": OTHER_ACCOUNT}]})),
        turn(use("tooluse_2", "run_sql", {"sql": "select sum(amortized_cost) from marts.fct_spend_daily "
                                                 f"where usage_account_id = '{OTHER_ACCOUNT}'"})),
        turn(use("tooluse_3", "describe_mart", {"mart": "fct_invoice_summary"})),
        turn({"text": "That account is outside what this key may read."}, stop="end_turn"),
    )
    assert not answer["answered"] and answer["data"] == []
    assert [c["error"] for c in answer["tool_calls"]] == ["account_not_in_scope", "account_not_in_scope",
                                                         "table_not_in_scope"]
    assert all(tool_results(r)[0]["status"] == "error" for r in sent[1:])


def test_a_viewer_is_not_offered_sql_and_is_refused_if_the_model_insists(base_runtime):
    answer, sent = ask(
        base_runtime, "scoped-viewer", "Spend per account?",
        turn(use("tooluse_1", "run_sql", {"sql": "select 1"})),
        turn(use("tooluse_2", "query_metrics", {"metrics": ["effective_cost"], "group_by": ["account"]})),
        turn({"text": "Here is the spend of your accounts."}, stop="end_turn"),
    )
    assert "run_sql" not in {t["toolSpec"]["name"] for t in sent[0]["toolConfig"]["tools"]}
    assert answer["tool_calls"][0]["error"] == "forbidden"
    assert answer["answered"] and {r["account"] for r in answer["data"]} <= set(SCOPED_ACCOUNTS)


def test_tool_calls_are_bounded(base_runtime):
    turns = [turn(use(f"tooluse_{i}", "list_metrics", {})) for i in range(5)]
    answer, _ = ask(base_runtime, "analyst", "loop", *turns)
    assert not answer["answered"] and answer["tool_calls"][-1]["error"] == "too_many_tool_calls"
