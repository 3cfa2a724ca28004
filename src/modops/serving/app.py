"""The FastAPI app factory.

``create_app()`` wires settings, the model manager (registry champions + hot reload), the
prediction log, metrics, auth, the size limit and structured errors. Nothing is loaded
at import or at app creation: models load in the background once the app starts, and
``/readyz`` turns 200 when they are in.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from modops import __version__
from modops.config import Settings, get_settings
from modops.monitoring.prediction_log import PredictionLog, default_log_path
from modops.serving.batching import MicroBatcher
from modops.serving.errors import BodySizeLimitMiddleware, install_error_handlers
from modops.serving.fastpath import ModerateFastPath
from modops.serving.metrics import ServiceMetrics, install_metrics
from modops.serving.models import ModelManager, ModeratorFactory, Served, VersionProbe, registry_factory
from modops.serving.routes import all_routers

log = logging.getLogger("modops.serving")

DESCRIPTION = """Self-hosted moderation: toxicity (algospeak-aware) and PII, one pipeline.

* `POST /v1/moderate`: full decisions (action, per-detector results, spans, redaction).
* `POST /v1/moderations`: drop-in for OpenAI's moderation API.
* `POST /v1/pii/redact`: PII redaction with a choice of operator.
"""


def create_app(
    settings: Settings | None = None,
    moderator_factory: ModeratorFactory | None = None,
    *,
    version_probe: VersionProbe | None = None,
    background_load: bool = True,
    on_ready: Callable[[Served], None] | None = None,
    prediction_log_path: str | None = None,
    micro_batch: bool = True,
    batch_workers: int | None = None,
    max_batch_texts: int = 64,
    fast_path: bool = True,
    load_before_serving: bool = False,
    reload_signal: Path | None = None,
) -> FastAPI:
    """Build the service.

    ``moderator_factory`` builds a ``Moderator`` (default: registry champions of the
    policy's text detectors, registering shipped defaults first). ``version_probe``
    returns the versions to watch for hot reload (default with the registry factory:
    ``registry.champion_versions``). ``on_ready`` is called once the first models are in.
    ``micro_batch`` merges concurrent requests into shared pipeline calls (see ``batching``).
    ``fast_path`` answers well-formed ``POST /v1/moderate`` requests without FastAPI's per-request
    machinery (see ``fastpath``); everything else, errors included, goes through the routes.
    ``load_before_serving`` loads the first models during startup, so the server takes no connection
    before it can answer (one of several workers sharing a port); a failed load falls back to
    loading in the background. ``reload_signal`` is the file the workers use to pass on admin reloads.
    """
    settings = settings if settings is not None else get_settings()
    if moderator_factory is None:
        moderator_factory, default_probe = registry_factory(settings)
        version_probe = version_probe if version_probe is not None else default_probe

    metrics = ServiceMetrics()
    first_ready = threading.Event()

    def on_swap(served: Served) -> None:
        metrics.set_models(served.model_versions, served.registry_versions, served.generation)
        if on_ready is not None and not first_ready.is_set():
            first_ready.set()
            on_ready(served)

    manager = ModelManager(
        moderator_factory,
        version_probe,
        reload_interval_s=settings.reload_interval_s,
        on_swap=on_swap,
        signal_path=reload_signal,
    )
    log_path = prediction_log_path or default_log_path(settings.resolved_home)
    # One pipeline thread by default: the detectors' ONNX sessions already use every core
    # intra-op, so more pipeline threads only oversubscribe (measured in benchmarks/service.py).
    workers = batch_workers if batch_workers is not None else 1
    batcher = MicroBatcher(workers=workers, max_texts=max_batch_texts)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        plog = PredictionLog(
            log_path,  # type: ignore[arg-type]
            store_text=settings.store_text,
            hash_salt=settings.hash_salt.get_secret_value(),
        ).start()
        app.state.prediction_log = plog
        sampler_stop = threading.Event()
        if metrics.multiprocess:
            # a callback gauge is invisible to the multiprocess collector (it reads files): sample it
            def sample() -> None:
                while not sampler_stop.wait(1.0):
                    metrics.log_pending.set(plog.pending)

            threading.Thread(target=sample, name="modops-metrics-sampler", daemon=True).start()
        else:
            metrics.log_pending.set_function(lambda: plog.pending)
        if micro_batch:
            batcher.start()
        if load_before_serving:
            await asyncio.to_thread(manager.reload, True)
        manager.start(background=background_load or load_before_serving)
        try:
            yield
        finally:
            sampler_stop.set()
            manager.stop()
            batcher.stop()
            # uvicorn has finished in-flight requests by now: flush everything they logged.
            plog.close()
            if metrics.multiprocess:
                from prometheus_client import multiprocess

                multiprocess.mark_process_dead(os.getpid())

    app = FastAPI(
        title="modops",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.models = manager
    app.state.metrics = metrics
    app.state.batcher = batcher
    app.state.prediction_log = None
    app.state.prediction_log_path = log_path

    install_error_handlers(app)
    for router in all_routers():
        app.include_router(router)
    if fast_path:
        # Inside the metrics and size-limit middlewares (added after it): both still see every request.
        app.add_middleware(ModerateFastPath)
    install_metrics(app, metrics)

    @app.get("/", include_in_schema=False)
    async def root() -> dict[str, str]:
        return {"name": "modops", "version": __version__, "docs": "/docs", "openapi": "/openapi.json"}

    # Outermost: refuse oversized bodies before anything parses them.
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_request_bytes)
    return app
