"""``GET /v1/models`` (what is served) and ``POST /v1/admin/reload`` (pick up new champions now)."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool

from modops.serving.auth import require_admin_key, require_api_key
from modops.serving.deps import get_served
from modops.serving.models import ModelManager, Served
from modops.serving.routes._common import ERROR_RESPONSES
from modops.serving.schemas import ModelsResponse, ReloadRequest, ReloadResponse, ServedDetector

router = APIRouter(tags=["models"])
log = logging.getLogger("modops.serving")


def _aliases(name: str, registry_version: str | None) -> list[str]:
    """Aliases that point at the served version (best effort: the registry may be unreachable)."""
    if registry_version is None:
        return []
    try:
        from modops import registry

        return sorted(a for a, v in registry.aliases(name).items() if str(v) == str(registry_version))
    except Exception as err:  # /v1/models must answer even when the registry does not
        log.debug("aliases(%s) failed: %s", name, err)
    return ["champion"]


@router.get(
    "/v1/models",
    response_model=ModelsResponse,
    responses=ERROR_RESPONSES,
    dependencies=[Depends(require_api_key)],
    summary="Served detectors with their versions and registry aliases",
)
def list_served(served: Served = Depends(get_served)) -> ModelsResponse:
    data = []
    for name, det in served.moderator.detectors.items():
        reg = served.registry_versions.get(name)
        data.append(
            ServedDetector(
                name=name,
                version=str(det.version),
                registry_version=reg,
                aliases=_aliases(name, reg),
                labels=list(getattr(det, "labels", ())),
            )
        )
    return ModelsResponse(
        generation=served.generation,
        loaded_at=served.loaded_at,
        policy=served.moderator.policy.name,
        normalizer_version=str(getattr(served.moderator.normalizer, "version", "none")),
        data=data,
    )


@router.post(
    "/v1/admin/reload",
    response_model=ReloadResponse,
    responses=ERROR_RESPONSES,
    dependencies=[Depends(require_admin_key)],
    summary="Reload registry champions now (admin key)",
)
async def reload_models(request: Request, body: ReloadRequest | None = None) -> ReloadResponse:
    manager: ModelManager = request.app.state.models
    force = bool(body and body.force)
    reloaded, message = await run_in_threadpool(manager.reload, force)
    if manager.broadcast_reload(force):
        message += f"; the other workers follow within {manager.SIGNAL_CHECK_S:g}s"
    served = manager.served
    return ReloadResponse(
        reloaded=reloaded,
        generation=served.generation if served else 0,
        versions=served.model_versions if served else {},
        message=message,
    )
