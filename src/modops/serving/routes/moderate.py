"""``POST /v1/moderate``: the full Decision for one text or a list of texts."""

from __future__ import annotations

import time

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from modops.serving.auth import require_api_key
from modops.serving.deps import as_texts, get_served, moderate_batched, new_id, record, settings_of
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
def moderate(body: ModerateRequest, request: Request, served: Served = Depends(get_served)) -> JSONResponse:
    # A plain ``def``: the CPU-bound pipeline runs in the threadpool, off the event loop.
    texts = as_texts(body.input, settings_of(request))
    request_id = new_id("modr")
    t0 = time.perf_counter()
    decisions = moderate_batched(request, served, texts, body.detectors)
    seconds = time.perf_counter() - t0
    record(request, "/v1/moderate", texts, decisions, seconds, request_id)
    versions = decisions[0].model_versions if decisions else served.model_versions
    payload = {
        "id": request_id,
        "model_versions": versions,
        "results": [decision_payload(d) for d in decisions],
        "latency_ms": round(seconds * 1000.0, 3),
    }
    return JSONResponse(payload)
