"""Liveness and readiness."""

from __future__ import annotations

import os
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from modops.serving.balance import LEDGER_ENV, ledger
from modops.serving.models import ModelManager
from modops.serving.schemas import HealthResponse

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=HealthResponse, summary="Liveness: the process answers")
async def healthz() -> HealthResponse:
    return HealthResponse(status="ok")


@router.get(
    "/readyz",
    response_model=HealthResponse,
    summary="Readiness: models are loaded",
    responses={503: {"model": HealthResponse, "description": "Models not loaded (yet)"}},
)
async def readyz(request: Request) -> JSONResponse:
    manager: ModelManager = request.app.state.models
    detail: dict[str, Any]
    served = manager.served
    if served is None:
        detail = {"loading": manager.last_error is None, "error": manager.last_error}
        return JSONResponse(
            {"status": "loading" if manager.last_error is None else "error", "detail": detail}, 503
        )
    detail = {
        "pid": os.getpid(),  # which worker answered, with ``modops serve --workers N``
        "generation": served.generation,
        "model_versions": served.model_versions,
        "registry_versions": served.registry_versions,
        "last_reload_error": manager.last_error,
    }
    if os.environ.get(LEDGER_ENV):  # several workers: open connections per worker pid
        book = ledger()
        if book is not None:
            detail["connections"] = {str(pid): n for pid, n in sorted(book.counts().items())}
    return JSONResponse({"status": "ready", "detail": detail}, 200)
