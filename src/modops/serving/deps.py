"""Request-scoped helpers shared by the routes: served models, input limits, logging a decision."""

from __future__ import annotations

import os
import random
import time
from collections.abc import Sequence

from fastapi import Request
from starlette.requests import HTTPConnection

from modops.config import Settings
from modops.core import Decision
from modops.monitoring.prediction_log import PredictionLog, PredictionRecord
from modops.serving.batching import MicroBatcher
from modops.serving.errors import ServiceError
from modops.serving.metrics import ServiceMetrics
from modops.serving.models import ModelManager, Served


async def get_served(request: Request) -> Served:
    """Snapshot of the served models for this request (503 until the first load finished)."""
    manager: ModelManager = request.app.state.models
    return manager.get()


def settings_of(request: HTTPConnection) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


_rng = random.Random(random.SystemRandom().getrandbits(128))
if hasattr(os, "register_at_fork"):  # a forked worker must not repeat its parent's ids
    os.register_at_fork(after_in_child=lambda: _rng.seed(random.SystemRandom().getrandbits(128)))


def new_id(prefix: str) -> str:
    """``<prefix>-<32 hex>``: random, uuid4's shape, without a system call per request."""
    return f"{prefix}-{_rng.getrandbits(128):032x}"


def check_texts(texts: Sequence[str], settings: Settings) -> list[str]:
    """Enforce the batch-size and text-length limits with a 422 naming the offending item."""
    if not texts:
        raise ServiceError(
            422, "input is empty: send a text or a non-empty list of texts", "validation_error"
        )
    if len(texts) > settings.max_batch_size:
        raise ServiceError(
            422,
            f"too many texts: {len(texts)} (the limit is {settings.max_batch_size} per request)",
            "validation_error",
        )
    for i, t in enumerate(texts):
        if len(t) > settings.max_text_chars:
            raise ServiceError(
                422,
                f"input[{i}] has {len(t)} characters, over the limit of {settings.max_text_chars}",
                "validation_error",
            )
        try:
            t.encode("utf-8")
        except UnicodeEncodeError as err:  # a lone surrogate escape such as "\ud800" in the JSON
            raise ServiceError(
                422,
                f"input[{i}] is not valid Unicode (unpaired surrogate at position {err.start})",
                "validation_error",
            ) from None
    return list(texts)


def as_texts(value: str | list[str], settings: Settings) -> list[str]:
    return check_texts([value] if isinstance(value, str) else value, settings)


def moderate_batched(
    request: Request, served: Served, texts: Sequence[str], detectors: Sequence[str] | None
) -> list[Decision]:
    """Run the pipeline through the app's micro-batcher (inline when batching is off)."""
    batcher: MicroBatcher = request.app.state.batcher
    return batcher.moderate(served, texts, detectors)


async def moderate_batched_async(
    request: HTTPConnection, served: Served, texts: Sequence[str], detectors: Sequence[str] | None
) -> list[Decision]:
    """``moderate_batched`` for async routes (in a worker thread when batching is off)."""
    batcher: MicroBatcher = request.app.state.batcher
    return await batcher.moderate_async(served, texts, detectors)


def record(
    request: HTTPConnection,
    route: str,
    texts: Sequence[str],
    decisions: Sequence[Decision],
    pipeline_seconds: float,
    request_id: str,
) -> None:
    """Metrics + prediction log for one request. Never blocks: the log only enqueues."""
    metrics: ServiceMetrics = request.app.state.metrics
    metrics.observe(route, decisions, pipeline_seconds)
    plog: PredictionLog | None = getattr(request.app.state, "prediction_log", None)
    if plog is None:
        return
    now = time.time()
    latency_ms = pipeline_seconds * 1000.0
    n = len(decisions)
    plog.log(
        PredictionRecord(
            route=route,
            action=d.action,
            flagged=d.flagged,
            model_versions=d.model_versions,
            scores={
                name: {k: round(float(v), 6) for k, v in r.scores.items()} for name, r in d.results.items()
            },
            text=text,
            latency_ms=latency_ms,
            batch_size=n,
            policy=d.policy,
            request_id=request_id,
            ts=now,
        )
        for text, d in zip(texts, decisions, strict=True)
    )
