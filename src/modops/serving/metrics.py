"""Prometheus metrics: per-route counts/latency (prometheus-fastapi-instrumentator), per-detector
latency and item counts, decisions by action, the served model versions and reloads.

Each app gets its own ``CollectorRegistry`` so several apps (tests) can live in one process.
With several server processes (``modops serve --workers N``) ``PROMETHEUS_MULTIPROC_DIR`` is set
and prometheus_client's multiprocess mode sums counters and histograms over the workers: gauges
say how (the served versions are the union over live workers, pending log records the sum).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from timeit import default_timer
from typing import Any

from fastapi import FastAPI
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_fastapi_instrumentator import Instrumentator
from prometheus_fastapi_instrumentator import metrics as http_metrics
from prometheus_fastapi_instrumentator.routing import get_route_name
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from modops.core import Decision

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class ServiceMetrics:
    """The service's own metrics, next to the HTTP ones."""

    def __init__(self, registry: CollectorRegistry | None = None, multiprocess: bool | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        self.multiprocess = (
            bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR")) if multiprocess is None else multiprocess
        )
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
            multiprocess_mode="livemax",
        )
        self._model_labels: set[tuple[str, str, str]] = set()
        self.generation = Gauge(
            "modops_model_generation",
            "Generation of the served models (the highest over the workers).",
            registry=r,
            multiprocess_mode="livemax",
        )
        self.reloads = Counter(
            "modops_model_reloads_total", "Successful model swaps after the first load.", registry=r
        )
        self._generation = 0
        self._children: dict[tuple[Any, ...], Any] = {}
        self.log_pending = Gauge(
            "modops_prediction_log_pending",
            "Records queued for the prediction log.",
            registry=r,
            multiprocess_mode="livesum",
        )

    def _child(self, metric: Any, *labels: str) -> Any:
        # ``labels()`` validates and locks on every call; the label sets here are few and fixed
        key = (metric, *labels)
        child = self._children.get(key)
        if child is None:
            if len(self._children) > 4096:
                self._children.clear()
            child = self._children[key] = metric.labels(*labels)
        return child

    def observe(self, route: str, decisions: Iterable[Decision], pipeline_seconds: float) -> None:
        decisions = list(decisions)
        self._child(self.pipeline_latency, route).observe(pipeline_seconds)
        if not decisions:
            return
        n = len(decisions)
        actions: dict[str, int] = {}
        for d in decisions:
            actions[d.action] = actions.get(d.action, 0) + 1
        for action, count in actions.items():
            self._child(self.decisions, route, action).inc(count)
        # timings_ms are per-item averages over the batch, identical for every decision.
        for name, ms in decisions[0].timings_ms.items():
            if name == "normalize":
                name = "normalizer"
            self._child(self.detector_latency, name).observe(ms / 1000.0)
            self._child(self.detector_items, name).inc(n)

    def set_models(
        self, model_versions: dict[str, str], registry_versions: dict[str, str], generation: int
    ) -> None:
        labels = {
            (name, version, registry_versions.get(name, "")) for name, version in model_versions.items()
        }
        if self.multiprocess:
            # Values live in per-process files that ``clear()`` does not reach: zero what we stopped serving.
            for old in self._model_labels - labels:
                self.model_info.labels(*old).set(0)
        else:
            self.model_info.clear()
        for label in labels:
            self.model_info.labels(*label).set(1)
        self._model_labels = labels
        if self._generation >= 1 and generation > self._generation:
            self.reloads.inc()
        self._generation = generation
        self.generation.set(generation)


class _Sized:
    __slots__ = ("headers",)

    def __init__(self, content_length: str | None) -> None:
        self.headers = {"Content-Length": content_length} if content_length is not None else {}


class _Info:
    """The fields of ``prometheus_fastapi_instrumentator.metrics.Info`` its default metrics read."""

    __slots__ = (
        "method",
        "modified_duration",
        "modified_duration_without_streaming",
        "modified_handler",
        "modified_status",
        "request",
        "response",
    )

    def __init__(self, method: str, handler: str, status: str, duration: float, first_byte: float) -> None:
        self.method = method
        self.modified_handler = handler
        self.modified_status = status
        self.modified_duration = duration
        self.modified_duration_without_streaming = first_byte
        self.request: _Sized
        self.response: _Sized


def _header(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value.decode("latin-1")
    return None


class HttpMetricsMiddleware:
    """The instrumentator's default HTTP metrics, same names, labels and buckets, at less cost per request.

    ``prometheus_fastapi_instrumentator``'s middleware builds a Request, a Response and an Info
    object and re-matches every route on each request; on the 2-core box that was ~10% of the event
    loop's time. This one resolves the route template once per (method, path) and feeds the
    package's own ``metrics.default`` instrumentation, so the exposition is unchanged: untemplated
    paths (404s) and ``/metrics`` are not counted, status codes are not grouped.
    """

    _MAX_CACHED = 1024

    def __init__(
        self,
        app: ASGIApp,
        instrumentation: Callable[[Any], None],
        excluded_handlers: Iterable[str] = ("/metrics",),
    ) -> None:
        self.app = app
        self.instrumentation = instrumentation
        self.excluded = [re.compile(p) for p in excluded_handlers]
        self._handlers: dict[tuple[str, str, str], str | None] = {}

    def _handler(self, scope: Scope) -> str | None:
        key = (scope.get("method", ""), scope.get("root_path", ""), scope.get("path", ""))
        try:
            return self._handlers[key]
        except KeyError:
            pass
        name = get_route_name(HTTPConnection(scope), should_include_root_path=True)
        if name is not None and any(p.search(name) for p in self.excluded):
            name = None
        if len(self._handlers) >= self._MAX_CACHED:  # e.g. many distinct path parameters
            self._handlers.clear()
        self._handlers[key] = name
        return name

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = default_timer()
        handler = self._handler(scope)
        if handler is None:  # untemplated (no route) or excluded: not counted
            await self.app(scope, receive, send)
            return
        status = 500
        response_headers: list[tuple[bytes, bytes]] = []
        first_byte = 0.0

        async def send_wrapper(message: Message) -> None:
            nonlocal status, response_headers, first_byte
            if message["type"] == "http.response.start":
                status = int(message["status"])
                response_headers = list(message.get("headers") or [])
                first_byte = max(default_timer() - start, 0.0)
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            info = _Info(scope["method"], handler, str(status), max(default_timer() - start, 0.0), first_byte)
            info.request = _Sized(_header(scope.get("headers") or (), b"content-length"))
            info.response = _Sized(_header(response_headers, b"content-length") or "0")
            self.instrumentation(info)


def install_metrics(app: FastAPI, metrics: ServiceMetrics) -> Instrumentator:
    """HTTP metrics (``HttpMetricsMiddleware``) and the ``/metrics`` endpoint for ``metrics.registry``."""
    instrumentation = http_metrics.default(latency_lowr_buckets=_LATENCY_BUCKETS, registry=metrics.registry)
    if instrumentation is not None:
        app.add_middleware(HttpMetricsMiddleware, instrumentation=instrumentation)
    instrumentator = Instrumentator(
        should_group_status_codes=False,
        should_ignore_untemplated=True,
        excluded_handlers=["/metrics"],
        registry=metrics.registry,
    )
    instrumentator.expose(app, endpoint="/metrics", include_in_schema=False)
    return instrumentator
