"""AI insights, questions in plain language: `POST /ai/ask` (infralyzer.ask) — the numbers, the
query that computed them and the marts it read, through the MCP server's tools with the
request's key."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Request
from pydantic import BaseModel, Field

from infralyzer.api.auth import CurrentPrincipal

router = APIRouter(prefix="/ai", tags=["ai"])


class Question(BaseModel):
    question: str = Field(min_length=1, max_length=500, description="A cost question in plain language.",
                          examples=["effective cost by service last month"])


class Answer(BaseModel):
    answered: bool = Field(description="False: the question could not be answered (see `message`, `suggestions`).")
    method: str = Field(description="semantic_parser (no model configured) or bedrock.")
    question: str
    message: str | None = Field(None, description="Why the question could not be answered.")
    answer: str | None = Field(None, description="The model's text (bedrock).")
    interpretation: str | None = Field(None, description="How the parser read the question.")
    relative_to: str | None = Field(None, description="The billing period relative periods count from.")
    query: dict[str, Any] | None = Field(None, description="The tool call that computed the numbers.")
    sql: str | None = Field(None, description="The SQL that ran (MetricFlow's or the guarded query).")
    marts: list[str] = Field(default_factory=list, description="The marts the answer read.")
    data: list[dict[str, Any]] = Field(default_factory=list)
    row_count: int = 0
    truncated: bool = False
    suggestions: list[dict[str, str]] = Field(default_factory=list, description="The closest metrics.")
    not_understood: list[str] = Field(default_factory=list)
    tool_calls: list[dict[str, Any]] = Field(default_factory=list, description="Every tool call of the model.")
    model: str | None = None


@router.post("/ask", response_model=Answer, summary="Answer a cost question in plain language: numbers, the query "
                                                   "used and the marts read")
async def ask(request: Request, principal: CurrentPrincipal,
              body: Question = Body(openapi_examples={  # noqa: B008
                  "by service": {"value": {"question": "effective cost by service last month"}},
                  "top accounts": {"value": {"question": "top 5 accounts by net cost this quarter"}},
                  "trend": {"value": {"question": "Spot coverage trend"}}})) -> Answer:
    """Without a model configured, a parser over the semantic layer's metric, dimension and time
    words answers the common shapes (`<metric> by <dimension> <period>`, `top N <dimension> by
    <metric>`, `<metric> trend`) and says plainly when it cannot, with the closest metrics. With
    `INFRALYZER_LLM=bedrock`, a Bedrock model calls the MCP tools. Relative periods ("last
    month") count from the newest billing period served."""
    from infralyzer.ask import answer_question

    return Answer(**await answer_question(request.app.state.mcp_server, principal, body.question))
