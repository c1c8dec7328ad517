"""The MCP server's tools and resources over REST (`mcp/tools`, `mcp/resources`, `mcp/query`):
thin adapters that list and call the very tools of infralyzer.mcp.server, with the request's key.
The request body of `mcp/query` is, per tool, that tool's own argument model (the SDK's, derived
from the tool's signature), so the OpenAPI states exactly what each tool accepts."""


from typing import Annotated, Any, Literal, NoReturn, Union

from fastapi import APIRouter, Body, Query, Request
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError, ToolError
from pydantic import BaseModel, Field, ValidationError, create_model

from infralyzer.api.auth import CurrentPrincipal
from infralyzer.api.errors import ApiError
from infralyzer.mcp.runtime import CALLER
from infralyzer.mcp.calls import api_error_of, structured
from infralyzer.mcp.server import InfralyzerMCP

class ToolInfo(BaseModel):
    name: str
    title: str | None = None
    description: str | None = None
    input_schema: dict[str, Any]


class ToolList(BaseModel):
    data: list[ToolInfo]
    row_count: int


class ResourceInfo(BaseModel):
    uri: str = Field(description="A resource URI, or a URI template such as infralyzer://marts/{mart}.")
    name: str
    description: str | None = None
    mime_type: str | None = None
    text: str | None = Field(None, description="The resource's content (only with `uri`).")


class ResourceList(BaseModel):
    data: list[ResourceInfo]
    row_count: int


class ToolAnswer(BaseModel):
    tool: str
    result: dict[str, Any]


def tool_calls(server: InfralyzerMCP) -> Any:
    """The body of `mcp/query`: {"tool": <name>, "arguments": <that tool's arguments>}, one
    model per tool, told apart by `tool`."""
    models = []
    for tool in server._tool_manager.list_tools():  # noqa: SLF001 - the SDK's models of the tools' arguments
        arguments = tool.fn_metadata.arg_model
        required = any(field.is_required() for field in arguments.model_fields.values())
        models.append(create_model(
            f"{tool.name}_call", __doc__=tool.description,
            tool=(Literal[tool.name], ...),  # type: ignore[valid-type]
            arguments=(arguments, ... if required else Field(default_factory=arguments)),
        ))
    return Annotated[Union[tuple(models)], Field(discriminator="tool")]  # type: ignore[return-value]


def _raise(error: ToolError | ResourceError) -> NoReturn:
    """A tool's (or resource's) refusal as the API answers it: its error and status."""
    refusal = api_error_of(error)
    if refusal is not None:
        raise refusal from error
    if isinstance(error.__cause__, ValidationError):  # the body's model checked the arguments: not expected
        raise ApiError(422, "invalid_parameter", "Invalid tool arguments.",
                       [{"loc": list(e["loc"]), "msg": e["msg"]} for e in error.__cause__.errors()]) from error
    raise ApiError(500, "internal_error", "The tool failed.") from error


def make_router(server: InfralyzerMCP) -> APIRouter:
    """The routes of one app's MCP server; `mcp/query`'s body model comes from its tools."""
    router = APIRouter(prefix="/mcp", tags=["mcp"])
    Call = tool_calls(server)

    @router.get("/tools", response_model=ToolList, summary="The MCP server's tools: names, descriptions, argument schemas")
    async def list_tools(request: Request) -> ToolList:
        """What an assistant connected to `infralyzer mcp` (or `POST /mcp`) sees; call one with
        `POST mcp/query`."""
        tools = await server.list_tools()
        data = [ToolInfo(name=t.name, title=t.title, description=t.description, input_schema=t.input_schema)
                for t in tools]
        return ToolList(data=data, row_count=len(data))


    @router.get("/resources", response_model=ResourceList, summary="The MCP server's resources (marts and their docs, "
                                                                    "metric catalogue, definitions), or one with `uri`")
    async def list_resources(
        request: Request, principal: CurrentPrincipal,
        uri: Annotated[str | None, Query(max_length=300, pattern=r"^infralyzer://[a-z][a-z0-9_/]*$",
                                         description="Read this resource, e.g. infralyzer://definitions or "
                                                     "infralyzer://marts/fct_spend_monthly.")] = None,
    ) -> ResourceList:
        listed = [ResourceInfo(uri=str(r.uri), name=r.name, description=r.description, mime_type=r.mime_type)
                  for r in await server.list_resources()]
        listed += [ResourceInfo(uri=t.uri_template, name=t.name, description=t.description, mime_type=t.mime_type)
                   for t in await server.list_resource_templates()]
        if uri is None:
            return ResourceList(data=listed, row_count=len(listed))
        token = CALLER.set(principal)
        try:
            contents = list(await server.read_resource(uri))
        except ResourceError as error:
            if api_error_of(error) is None and isinstance(error, ResourceNotFoundError):
                raise ApiError(404, "not_found", "No such resource.", {"uri": uri}) from error
            _raise(error)
        finally:
            CALLER.reset(token)
        described = next((r for r in listed if r.uri == uri), None)
        text = "".join(c.content if isinstance(c.content, str) else c.content.decode() for c in contents)
        info = ResourceInfo(uri=uri, name=described.name if described else uri.rsplit("/", 1)[-1],
                            description=described.description if described else None,
                            mime_type=contents[0].mime_type if contents else None, text=text)
        return ResourceList(data=[info], row_count=1)

    @router.post("/query", response_model=ToolAnswer, summary="Call one of the MCP server's tools (or ask a "
                                                              "question with the `ask` tool)")
    async def call_tool(request: Request, principal: CurrentPrincipal,
                        body: Annotated[Call, Body(openapi_examples={  # type: ignore[valid-type]
                            "question": {"value": {"tool": "ask", "arguments": {
                                "question": "effective cost by service last month"}}},
                            "metrics": {"value": {"tool": "query_metrics", "arguments": {
                                "metrics": ["effective_cost"], "group_by": ["metric_time__month"]}}}})]) -> ToolAnswer:
        """The tool answers with the caller's key, role and account scope, as over MCP; a tool's
        refusal is the API's error with its status."""
        token = CALLER.set(principal)
        try:
            result = await server.call_tool(body.tool, body.arguments.model_dump(exclude_unset=True))
        except ToolError as error:
            _raise(error)
        finally:
            CALLER.reset(token)
        return ToolAnswer(tool=body.tool, result=structured(result))

    return router
