"""A lean path for well-formed ``POST /v1/moderate`` requests, the service's hot path.

FastAPI's per-request machinery (route matching, dependency solving, exit stacks, exception
middleware) cost about as much event-loop time as the rest of the request put together on the
2-core box (py-spy, ``benchmarks/service.py`` at concurrency 8). This middleware answers a
request only when it is sure of the outcome: a JSON body that ``ModerateRequest`` accepts, a
valid API key (when keys are set), loaded models, texts within the limits and known detectors.
It then builds the response with the route's own ``moderate_payload``, so the body is the same.
Anything else (bad JSON, validation errors, auth failures, 503s, pipeline errors) is handed,
body replayed, to the FastAPI route, which produces the documented error; the fast path never
answers an error itself.

It sits inside the body-size limit and the HTTP metrics middleware, so both still apply.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from modops.serving.auth import check_key
from modops.serving.models import ModelManager
from modops.serving.schemas import ModerateRequest

log = logging.getLogger("modops.serving")

PATH = "/v1/moderate"


def _content_type(scope: Scope) -> bytes | None:
    for key, value in scope.get("headers") or ():
        if key.lower() == b"content-type":
            return bytes(value)
    return None


class ModerateFastPath:
    """ASGI middleware: serve the happy path of ``POST /v1/moderate``, defer everything else."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope.get("method") != "POST"
            or scope.get("path") != PATH
            or scope.get("root_path")
        ):
            await self.app(scope, receive, send)
            return
        ctype = _content_type(scope)
        if ctype is None or ctype.split(b";", 1)[0].strip().lower() != b"application/json":
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        chunks: list[bytes] = []
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":  # a disconnect: let the app see it as it is
                break
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        payload = None
        if messages[-1]["type"] == "http.request":
            try:
                payload = await self._answer(scope, b"".join(chunks))
            except Exception:  # the route will answer (and report) it
                payload = None
        if payload is not None:
            await JSONResponse(payload)(scope, receive, send)
            return

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    @staticmethod
    async def _answer(scope: Scope, body: bytes) -> dict[str, Any] | None:
        """The response body, or None when the request must go through the route."""
        from modops.serving.routes.moderate import moderate_payload

        app = scope.get("app")
        if app is None:
            return None
        conn = HTTPConnection(scope)
        digests = app.state.settings.api_keys
        if digests:
            check_key(conn, digests)  # raises for a missing or wrong key: the route answers 401/403
        manager: ModelManager = app.state.models
        served = manager.served
        if served is None:
            return None
        request = ModerateRequest.model_validate(json.loads(body))
        return await moderate_payload(conn, served, request)
