"""Prometheus metrics: per-route counts/latency (prometheus-fastapi-instrumentator), per-detector
latency and item counts, decisions by action, the served model versions and reloads.

Each app gets its own ``CollectorRegistry`` so several apps (tests) can live in one process.
"""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import FastAPI
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_fastapi_instrumentator import Instrumentator

from modops.core import Decision

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class ServiceMetrics:
    """The service's own metrics, next to the HTTP ones."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        self.detector_latency = Histogram(
            "modops_detector_latency_seconds",
            "Time a detector spent on one item (batch time / batch size).",
            ["detector"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.detector_items = Counter(
            "modops_detector_items_total", "Items analysed, per detector.", ["detector"], registry=r
        )
        self.decisions = Counter(
            "modops_decisions_total", "Decisions, per route and action.", ["route", "action"], registry=r
        )
        self.pipeline_latency = Histogram(
            "modops_pipeline_latency_seconds",
            "Moderator time per request, per route.",
            ["route"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.model_info = Gauge(
            "modops_model_info",
            "Served model versions (value 1 for the served version).",
            ["detector", "version", "registry_version"],
            registry=r,
        )
        self.generation = Gauge("modops_model_generation", "Generation of the served models.", registry=r)
        self.reloads = Counter(
            "modops_model_reloads_total", "Successful model swaps after the first load.", registry=r
        )
        self._generation = 0
        self.log_pending = Gauge(
            "modops_prediction_log_pending", "Records queued for the prediction log.", registry=r
        )

    def observe(self, route: str, decisions: Iterable[Decision], pipeline_seconds: float) -> None:
        decisions = list(decisions)
        self.pipeline_latency.labels(route).observe(pipeline_seconds)
        if not decisions:
            return
        n = len(decisions)
        actions: dict[str, int] = {}
        for d in decisions:
            actions[d.action] = actions.get(d.action, 0) + 1
        for action, count in actions.items():
            self.decisions.labels(route, action).inc(count)
        # timings_ms are per-item averages over the batch, identical for every decision.
        for name, ms in decisions[0].timings_ms.items():
            if name == "normalize":
                name = "normalizer"
            self.detector_latency.labels(name).observe(ms / 1000.0)
            self.detector_items.labels(name).inc(n)

    def set_models(
        self, model_versions: dict[str, str], registry_versions: dict[str, str], generation: int
    ) -> None:
        self.model_info.clear()
        for name, version in model_versions.items():
            self.model_info.labels(name, version, registry_versions.get(name, "")).set(1)
        if self._generation >= 1 and generation > self._generation:
            self.reloads.inc()
        self._generation = generation
        self.generation.set(generation)


def install_metrics(app: FastAPI, metrics: ServiceMetrics) -> Instrumentator:
    instrumentator = Instrumentator(
        should_group_status_codes=False,
        should_ignore_untemplated=True,
        excluded_handlers=["/metrics"],
        registry=metrics.registry,
    )
    instrumentator.instrument(app, latency_lowr_buckets=_LATENCY_BUCKETS).expose(
        app, endpoint="/metrics", include_in_schema=False
    )
    return instrumentator
