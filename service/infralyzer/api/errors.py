"""One error shape for every failure: {"error": <stable code>, "message": ..., "details": ...}."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from pydantic import BaseModel, Field
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException


log = logging.getLogger(__name__)


class ApiError(Exception):
    def __init__(self, status_code: int, error: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.status_code, self.error, self.message, self.details = status_code, error, message, details
        self.headers: dict[str, str] | None = None  # e.g. Retry-After of a 429


def no_snapshot() -> ApiError:
    return ApiError(
        503,
        "no_snapshot",
        "No published snapshot yet: run `dbt build` (or `infralyzer run`) to publish the marts.",
    )


def _body(error: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": error, "message": message, "details": details}


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(_body(exc.error, exc.message, exc.details), status_code=exc.status_code,
                            headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
        return JSONResponse(_body("invalid_parameter", "The request has invalid parameters.", details), 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed", 406: "not_acceptable",
                415: "unsupported_media_type"}.get(exc.status_code, "http_error")
        return JSONResponse(_body(code, str(exc.detail)), status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))  # e.g. Allow of a 405

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return JSONResponse(_body("internal_error", "Unexpected server error."), status_code=500)


class ErrorBody(BaseModel):
    """The one error shape."""

    error: str = Field(description="A stable error code, e.g. invalid_parameter, sql_not_allowed, query_timeout.")
    message: str
    details: Any = None


_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before trying again.", "schema": {"type": "integer"}}}

# Every answer an endpoint under /api/v1 may give besides its own 200 (declared on the routers).
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description, **({"headers": _RETRY_AFTER} if retry else {})}
    for status, description, retry in (
        (400, "The request cannot be answered as asked (e.g. SQL that is not allowed, a query that failed).", False),
        (401, "Missing or unknown API key.", False),
        (403, "The key's role or account scope does not allow this.", False),
        (404, "No such mart or metric in the served marts.", False),
        (408, "The query hit the time limit, or the request body arrived too slowly.", False),
        (413, "The request (its body or SQL text) is too large.", False),
        (422, "Invalid parameters.", False),
        (429, "Too many requests or concurrent queries for this API key.", True),
        (503, "No published marts, the marts could not be read, or every query worker is busy.", True),
    )
}
