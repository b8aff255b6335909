"""Errors as ``application/problem+json`` (RFC 9457), with Chinese and English messages."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from lanyan.core.errors import DomainError, TooManyRequests

log = logging.getLogger("lanyan.api")
PROBLEM_JSON = "application/problem+json"

_HTTP_ZH = {
    400: "请求有误",
    401: "请先登录",
    403: "无权访问",
    404: "请求的资源不存在",
    405: "不支持此请求方法",
    413: "上传内容过大",
    415: "不支持的内容类型",
    422: "输入有误",
}


def problem(
    status: int,
    title: str,
    detail: str,
    detail_en: str,
    *,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A problem+json response."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "detail_en": detail_en,
    }
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path")]
    return ".".join(parts) or "body"


async def _domain_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    headers = None
    if isinstance(exc, TooManyRequests):
        headers = {"Retry-After": str(exc.retry_after_s)}
    return problem(
        exc.status, exc.title, exc.detail, exc.detail_en, errors=exc.errors, headers=headers
    )


async def _routing_error(_request: Request, exc: Exception) -> JSONResponse:
    from lanyan.routing import RoutingError

    assert isinstance(exc, RoutingError)
    return problem(422, "Routing error", exc.detail, exc.detail_en)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"field": _field(e.get("loc", ())), "reason": e.get("msg", ""), "type": e.get("type", "")}
        for e in exc.errors()
    ]
    summary = "; ".join(f"{e['field']}: {e['reason']}" for e in errors[:5])
    return problem(
        422, "Invalid input", f"输入有误：{summary}", f"invalid input: {summary}", errors=errors
    )


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = str(exc.detail)
    return problem(
        exc.status_code,
        detail,
        _HTTP_ZH.get(exc.status_code, detail),
        detail,
        headers=dict(exc.headers) if exc.headers else None,
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(500, "Internal error", "系统内部错误，请联系管理员", "internal error")


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    from lanyan.routing import RoutingError

    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RoutingError, _routing_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
