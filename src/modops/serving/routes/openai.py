"""``POST /v1/moderations``: drop-in for OpenAI's moderation API (same request and response shape)."""

from __future__ import annotations

import time

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from modops.serving.auth import require_api_key
from modops.serving.deps import check_texts, get_served, moderate_batched_async, new_id, record, settings_of
from modops.serving.errors import ServiceError
from modops.serving.models import Served
from modops.serving.openai_compat import category_thresholds, required_detectors, to_openai_result
from modops.serving.routes._common import ERROR_RESPONSES
from modops.serving.schemas import ModerationsRequest, ModerationsResponse, OpenAIImageInput, OpenAITextInput

router = APIRouter(tags=["openai-compatible"], dependencies=[Depends(require_api_key)])


def _texts(body: ModerationsRequest) -> list[str]:
    value = body.input
    if isinstance(value, str):
        return [value]
    if value and not isinstance(value[0], str):
        # A list of multi-modal parts is ONE input in OpenAI's API (one result).
        parts = [p for p in value if not isinstance(p, str)]
        if any(isinstance(p, OpenAIImageInput) for p in parts):
            raise ServiceError(
                422, "image inputs are not supported by this server (text only)", "validation_error"
            )
        return ["\n".join(p.text for p in parts if isinstance(p, OpenAITextInput))]
    return [v for v in value if isinstance(v, str)]


@router.post(
    "/v1/moderations",
    response_model=ModerationsResponse,
    responses=ERROR_RESPONSES,
    summary="OpenAI-compatible moderation (use the openai SDK with base_url pointing here)",
)
async def moderations(
    body: ModerationsRequest, request: Request, served: Served = Depends(get_served)
) -> JSONResponse:
    texts = check_texts(_texts(body), settings_of(request))
    names = [n for n in required_detectors() if n in served.moderator.detectors]
    if not names:
        raise ServiceError(
            503, "the OpenAI-compatible endpoint needs the toxicity detector, which is not loaded"
        )
    request_id = new_id("modr")
    t0 = time.perf_counter()
    decisions = await moderate_batched_async(request, served, texts, names)
    seconds = time.perf_counter() - t0
    record(request, "/v1/moderations", texts, decisions, seconds, request_id)
    thresholds = category_thresholds(served.moderator.policy)
    version = "+".join(f"{n}-{served.detector_versions.get(n, '?')}" for n in names)
    return JSONResponse(
        {
            "id": request_id,
            "model": f"modops/{version}",
            "results": [to_openai_result(d, thresholds) for d in decisions],
        }
    )
