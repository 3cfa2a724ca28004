"""``POST /v1/moderate``: the full Decision for one text or a list of texts."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from starlette.requests import HTTPConnection

from modops.serving.auth import require_api_key
from modops.serving.deps import as_texts, get_served, moderate_batched_async, new_id, record, settings_of
from modops.serving.models import Served
from modops.serving.routes._common import ERROR_RESPONSES, decision_payload
from modops.serving.schemas import ModerateRequest, ModerateResponse

router = APIRouter(tags=["moderation"], dependencies=[Depends(require_api_key)])


@router.post(
    "/v1/moderate",
    response_model=ModerateResponse,
    responses=ERROR_RESPONSES,
    summary="Moderate one text or a batch: action, per-detector results, findings, redaction",
)
async def moderate(
    body: ModerateRequest, request: Request, served: Served = Depends(get_served)
) -> JSONResponse:
    # Well-formed requests usually never get here: ``serving.fastpath`` answers them with the same
    # ``moderate_payload``; this route is the reference path (and the one for every error).
    return JSONResponse(await moderate_payload(request, served, body))


async def moderate_payload(conn: HTTPConnection, served: Served, body: ModerateRequest) -> dict[str, Any]:
    """The ``/v1/moderate`` response body for a validated request (records metrics and the log)."""
    # ``async``: the pipeline runs on the micro-batcher's thread; awaiting it directly saves the
    # threadpool hop (a thread wake-up and GIL hand-off per request).
    texts = as_texts(body.input, settings_of(conn))
    request_id = new_id("modr")
    t0 = time.perf_counter()
    decisions = await moderate_batched_async(conn, served, texts, body.detectors)
    seconds = time.perf_counter() - t0
    record(conn, "/v1/moderate", texts, decisions, seconds, request_id)
    versions = decisions[0].model_versions if decisions else served.model_versions
    return {
        "id": request_id,
        "model_versions": versions,
        "results": [decision_payload(d) for d in decisions],
        "latency_ms": round(seconds * 1000.0, 3),
    }
