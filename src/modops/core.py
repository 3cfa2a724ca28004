"""Core contracts shared by every detector, the pipeline, the service and batch jobs (DESIGN §2)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from modops.errors import NotFoundError


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing a detector found.

    ``start``/``end`` are character offsets into the *original* text (never the
    normalized one), so a UI can highlight exactly what the user wrote.
    """

    detector: str
    label: str
    score: float
    start: int | None = None
    end: int | None = None
    explanation: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"score must be in [0, 1], got {self.score}")
        if (self.start is None) != (self.end is None):
            raise ValueError("start and end must both be set or both be None")
        if self.start is not None and self.end is not None and not 0 <= self.start <= self.end:
            raise ValueError(f"invalid span [{self.start}, {self.end})")

    def to_dict(self) -> dict[str, Any]:
        return {
            "detector": self.detector,
            "label": self.label,
            "score": round(float(self.score), 6),
            "start": self.start,
            "end": self.end,
            "explanation": self.explanation,
        }


@runtime_checkable
class Detector(Protocol):
    """A loaded model that finds policy violations in a batch of items.

    ``analyze`` always takes a batch (one item is a batch of one) and returns one
    list of findings per item, in order. It does no I/O.
    """

    name: str
    version: str
    labels: tuple[str, ...]

    def analyze(self, batch: Sequence[Any]) -> list[list[Finding]]: ...


@dataclass(slots=True)
class DetectorResult:
    """What one detector said about one item, after the policy was applied."""

    detector: str
    version: str
    scores: dict[str, float]
    findings: list[Finding]
    action: str = "allow"
    severity: str | None = None
    triggered: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "detector": self.detector,
            "version": self.version,
            "action": self.action,
            "severity": self.severity,
            "scores": {k: round(float(v), 6) for k, v in self.scores.items()},
            "triggered": self.triggered,
            "findings": [f.to_dict() for f in self.findings],
        }


@dataclass(slots=True)
class Decision:
    """The pipeline's verdict on one item."""

    action: str
    flagged: bool
    results: dict[str, DetectorResult]
    findings: list[Finding]
    normalized_text: str | None = None
    substitutions: list[dict[str, Any]] = field(default_factory=list)
    redacted_text: str | None = None
    model_versions: dict[str, str] = field(default_factory=dict)
    timings_ms: dict[str, float] = field(default_factory=dict)
    policy: str = "default"
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "flagged": self.flagged,
            "policy": self.policy,
            "results": {k: v.to_dict() for k, v in self.results.items()},
            "findings": [f.to_dict() for f in self.findings],
            "normalized_text": self.normalized_text,
            "substitutions": self.substitutions,
            "redacted_text": self.redacted_text,
            "model_versions": self.model_versions,
            "timings_ms": {k: round(v, 3) for k, v in self.timings_ms.items()},
            "notes": self.notes,
        }


DetectorFactory = Callable[..., Detector]
"""Builds a detector. Called as ``factory(source)`` where source is an artifact path or None (shipped default)."""


@dataclass(frozen=True, slots=True)
class DetectorSpec:
    """How to build one detector: its name, input kind and default-artifact loader."""

    name: str
    kind: str  # "text", "tabular", "image", "request"
    factory: DetectorFactory
    description: str = ""


_DETECTORS: dict[str, DetectorSpec] = {}


def register_detector(spec: DetectorSpec) -> DetectorSpec:
    """Register a detector by name. Detectors register explicitly (see ``modops.detectors``)."""
    if spec.name in _DETECTORS and _DETECTORS[spec.name] is not spec:
        raise ValueError(f"detector {spec.name!r} is already registered")
    _DETECTORS[spec.name] = spec
    return spec


def get_detector_spec(name: str) -> DetectorSpec:
    """Return the registered spec for ``name`` or raise a clear NotFoundError."""
    from modops.detectors import register_builtin_detectors

    register_builtin_detectors()
    try:
        return _DETECTORS[name]
    except KeyError:
        known = ", ".join(sorted(_DETECTORS)) or "none"
        raise NotFoundError(f"unknown detector {name!r} (known: {known})") from None


def available_detectors() -> list[str]:
    """Names of every registered detector."""
    from modops.detectors import register_builtin_detectors

    register_builtin_detectors()
    return sorted(_DETECTORS)
