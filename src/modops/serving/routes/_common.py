"""Bits shared by the route modules."""

from __future__ import annotations

from typing import Any

from modops.core import Decision
from modops.serving.schemas import ErrorResponse

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse, "description": desc}
    for code, desc in {
        401: "Missing API key",
        403: "Invalid API key",
        404: "Unknown detector",
        413: "Request body too large",
        422: "Invalid request (validation, batch size, text length)",
        503: "Models not loaded yet",
    }.items()
}


def decision_payload(d: Decision) -> dict[str, Any]:
    """``Decision.to_dict()`` plus, per detector, the categories (labels whose rule fired)."""
    out = d.to_dict()
    for name, res in out["results"].items():
        res["categories"] = sorted({t.split(">=", 1)[0] for t in d.results[name].triggered})
    return out
