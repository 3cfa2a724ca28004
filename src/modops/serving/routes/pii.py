"""``POST /v1/pii/redact``: PII spans found by the pii detector, redacted with a chosen operator."""

from __future__ import annotations

import time

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from modops.core import Finding
from modops.policy import Action, Policy
from modops.serving.auth import require_api_key
from modops.serving.deps import as_texts, get_served, moderate_batched_async, new_id, record, settings_of
from modops.serving.errors import ServiceError
from modops.serving.models import Served
from modops.serving.routes._common import ERROR_RESPONSES
from modops.serving.schemas import RedactRequest, RedactResponse

router = APIRouter(tags=["pii"], dependencies=[Depends(require_api_key)])


def _to_redact(
    findings: list[Finding], policy: Policy, labels: list[str] | None, min_score: float | None
) -> list[Finding]:
    if labels is None:
        # What the policy redacts, at the policy's thresholds.
        chosen = [f for f in findings if policy.action_for("pii", f.label, f.score)[0] is Action.REDACT]
        return [f for f in chosen if min_score is None or f.score >= min_score]
    wanted = set(labels)
    floor = 0.5 if min_score is None else min_score
    return [f for f in findings if f.label in wanted and f.score >= floor]


@router.post(
    "/v1/pii/redact",
    response_model=RedactResponse,
    responses=ERROR_RESPONSES,
    summary="Find PII and redact it (replace, placeholder, mask, hash, encrypt)",
)
async def pii_redact(
    body: RedactRequest, request: Request, served: Served = Depends(get_served)
) -> JSONResponse:
    from modops.detectors.redaction import OPERATORS, redact

    if body.operator not in OPERATORS:
        raise ServiceError(
            422,
            f"unknown operator {body.operator!r} (choose from {', '.join(OPERATORS)})",
            "validation_error",
        )
    texts = as_texts(body.input, settings_of(request))
    if "pii" not in served.moderator.detectors:
        raise ServiceError(503, "the pii detector is not loaded")
    request_id = new_id("pii")
    t0 = time.perf_counter()
    decisions = await moderate_batched_async(request, served, texts, ["pii"])
    policy = served.moderator.policy
    results = []
    for text, d in zip(texts, decisions, strict=True):
        findings = d.results["pii"].findings
        chosen = _to_redact(findings, policy, body.labels, body.min_score)
        red = redact(text, chosen, operator=body.operator)
        results.append(
            {
                "redacted_text": red.text,
                "findings": [f.to_dict() for f in findings],
                "items": [i.to_dict() for i in red.items],
            }
        )
    seconds = time.perf_counter() - t0
    record(request, "/v1/pii/redact", texts, decisions, seconds, request_id)
    return JSONResponse(
        {
            "id": request_id,
            "operator": body.operator,
            "model_versions": decisions[0].model_versions,
            "results": results,
        }
    )
