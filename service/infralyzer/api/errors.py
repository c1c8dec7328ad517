"""One error shape for every failure: {"error": <stable code>, "message": ..., "details": ...}."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException


log = logging.getLogger(__name__)


class ApiError(Exception):
    def __init__(self, status_code: int, error: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.status_code, self.error, self.message, self.details = status_code, error, message, details


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
        return JSONResponse(_body(exc.error, exc.message, exc.details), status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
        return JSONResponse(_body("invalid_parameter", "The request has invalid parameters.", details), 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed", 406: "not_acceptable",
                415: "unsupported_media_type"}.get(exc.status_code, "http_error")
        return JSONResponse(_body(code, str(exc.detail)), status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return JSONResponse(_body("internal_error", "Unexpected server error."), status_code=500)
