"""Structured JSON errors (``{"error": {"type", "message", "detail"?}}``) and the request size limit.

Every error the service returns has this shape: validation problems, unknown routes,
wrong methods, oversized bodies, ``ModopsError`` (its ``http_status``) and, as a last
resort, unexpected failures (500, logged without request content).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from modops.errors import ModopsError

log = logging.getLogger("modops.serving")

_STATUS_TYPES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    503: "unavailable",
}


class ServiceError(Exception):
    """An HTTP error with our type/message shape, raised from routes and dependencies."""

    def __init__(
        self, status: int, message: str, type_: str | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type_ or _STATUS_TYPES.get(status, "error")
        self.headers = headers


def error_payload(type_: str, message: str, detail: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"type": type_, "message": message}
    if detail is not None:
        body["detail"] = detail
    return {"error": body}


class ErrorJSONResponse(JSONResponse):
    """ASCII-escaped JSON: an error message may quote input with unpaired surrogates."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def error_response(
    status: int,
    message: str,
    type_: str | None = None,
    detail: Any = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    return ErrorJSONResponse(
        error_payload(type_ or _STATUS_TYPES.get(status, "error"), message, detail),
        status_code=status,
        headers=headers,
    )


def _loc(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p != "body"] or ["body"]
    return ".".join(parts)


def _jsonable_errors(errors: list[Any]) -> list[dict[str, Any]]:
    out = []
    for e in errors:
        # ``input`` may echo the user's text: never put it back in errors (or logs).
        out.append(
            {"loc": _loc(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
        )
    return out


def validation_message(errors: list[dict[str, Any]]) -> str:
    if not errors:
        return "invalid request"
    first = errors[0]
    if first["type"] == "json_invalid":
        return "request body is not valid JSON (send a UTF-8 encoded JSON object)"
    if first["loc"] == "body" and first["type"] == "missing":
        return 'request body is empty: send a JSON object such as {"input": "some text"}'
    if first["loc"] == "body" and first["type"] in {"model_attributes_type", "dict_type"}:
        return 'request body must be a JSON object such as {"input": "some text"}'

    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"invalid request: {first['loc']}: {first['msg']}{more}"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ServiceError)
    async def _service_error(request: Request, exc: ServiceError) -> JSONResponse:
        return error_response(exc.status, exc.message, exc.type, headers=exc.headers)

    @app.exception_handler(ModopsError)
    async def _modops_error(request: Request, exc: ModopsError) -> JSONResponse:
        return error_response(exc.http_status, exc.message, _STATUS_TYPES.get(exc.http_status, "error"))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _jsonable_errors(list(exc.errors()))
        return error_response(422, validation_message(errors), "validation_error", detail=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else _STATUS_TYPES.get(exc.status_code, "error")
        if exc.status_code == 400 and message == "There was an error parsing the body":
            # FastAPI's answer to a body it cannot decode (e.g. not UTF-8): a validation problem.
            return error_response(
                422, "request body could not be decoded: send UTF-8 JSON", "validation_error"
            )
        if exc.status_code == 404 and message == "Not Found":
            message = f"no route {request.url.path}"
        elif exc.status_code == 405:
            message = f"method {request.method} not allowed on {request.url.path}"
        return error_response(exc.status_code, message, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Log the type and route only: the exception text may quote user input.
        log.error(
            "unexpected %s on %s %s", type(exc).__name__, request.method, request.url.path, exc_info=exc
        )
        return error_response(500, "internal server error", "internal_error")


class BodySizeLimitMiddleware:
    """413 for bodies over ``max_bytes``: checks Content-Length first, then counts the streamed body.

    The body is buffered (it is at most ``max_bytes``) and replayed to the app, so an
    oversized chunked upload is refused before any route code sees it.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") in {"GET", "HEAD", "OPTIONS"}:
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                await self._reject(send, 400, "bad_request", "invalid Content-Length header")
                return
            if size > self.max_bytes:
                await self._too_large(send)
                return
        chunks: list[bytes] = []
        total = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            total += len(body)
            if total > self.max_bytes:
                await self._too_large(send)
                return
            chunks.append(body)
            more = bool(message.get("more_body", False))
        replay: list[Message] = [{"type": "http.request", "body": b"".join(chunks), "more_body": False}]

        async def replay_receive() -> Message:
            if replay:
                return replay.pop()
            return await receive()

        await self.app(scope, replay_receive, send)

    async def _too_large(self, send: Send) -> None:
        await self._reject(
            send, 413, "payload_too_large", f"request body exceeds the limit of {self.max_bytes} bytes"
        )

    @staticmethod
    async def _reject(send: Send, status: int, type_: str, message: str) -> None:
        body = json.dumps(error_payload(type_, message)).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
