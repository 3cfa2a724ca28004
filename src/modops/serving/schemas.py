"""Request and response models of the service (they are also the OpenAPI schema)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Request(BaseModel):
    # Unknown fields are an error, so a typo ("inputs") is a clear 422 instead of a silent default.
    model_config = ConfigDict(extra="forbid")


# -- errors -------------------------------------------------------------------------------


class ErrorBody(BaseModel):
    type: str = Field(description="Machine-readable error kind, e.g. validation_error, not_found.")
    message: str = Field(description="One readable line.")
    detail: Any | None = Field(default=None, description="Structured detail (e.g. validation errors).")


class ErrorResponse(BaseModel):
    error: ErrorBody


# -- /v1/moderate ---------------------------------------------------------------------------


class ModerateRequest(_Request):
    input: str | list[str] = Field(
        description="One text, or a list of texts (at most MODOPS_MAX_BATCH_SIZE).",
        examples=["you are an idiot, mail me at jo@example.com"],
    )
    detectors: list[str] | None = Field(
        default=None, description="Run only these detectors (default: every served text detector)."
    )


class FindingOut(BaseModel):
    detector: str
    label: str
    score: float
    start: int | None = Field(description="Character offset into the original text (inclusive).")
    end: int | None = Field(description="Character offset into the original text (exclusive).")
    explanation: dict[str, Any]


class DetectorResultOut(BaseModel):
    detector: str
    version: str
    action: str
    severity: str | None
    scores: dict[str, float]
    categories: list[str] = Field(description="Labels whose policy rule fired (action other than allow).")
    triggered: list[str] = Field(description="Rules that fired, as label>=threshold:action.")
    findings: list[FindingOut]


class DecisionOut(BaseModel):
    action: Literal["allow", "redact", "review", "block"]
    flagged: bool
    policy: str
    results: dict[str, DetectorResultOut]
    findings: list[FindingOut]
    normalized_text: str | None
    substitutions: list[dict[str, Any]]
    redacted_text: str | None
    model_versions: dict[str, str]
    timings_ms: dict[str, float]
    notes: list[str]


class ModerateResponse(BaseModel):
    id: str
    model_versions: dict[str, str]
    results: list[DecisionOut]
    latency_ms: float


# -- /v1/moderations (OpenAI-compatible) ------------------------------------------------------


class OpenAITextInput(_Request):
    type: Literal["text"]
    text: str


class OpenAIImageURL(BaseModel):
    url: str


class OpenAIImageInput(_Request):
    type: Literal["image_url"]
    image_url: OpenAIImageURL


class ModerationsRequest(BaseModel):
    # Lenient on unknown fields, like the API it mimics (SDKs add fields over time).
    model_config = ConfigDict(extra="ignore")

    input: str | list[str] | list[OpenAITextInput | OpenAIImageInput] = Field(
        description="Text, list of texts, or OpenAI multi-modal parts (text only here)."
    )
    model: str | None = Field(
        default=None, description="Accepted for compatibility; modops serves its champion."
    )


class ModerationResult(BaseModel):
    flagged: bool
    categories: dict[str, bool]
    category_scores: dict[str, float]
    category_applied_input_types: dict[str, list[str]]


class ModerationsResponse(BaseModel):
    id: str
    model: str
    results: list[ModerationResult]


# -- /v1/pii/redact -------------------------------------------------------------------------


class RedactRequest(_Request):
    input: str | list[str] = Field(description="One text or a list of texts.")
    operator: str = Field(
        default="replace",
        description="How to redact each span (the PII detector's operators, e.g. replace, mask, hash).",
    )
    labels: list[str] | None = Field(
        default=None, description="Redact only these PII labels (default: those the policy redacts)."
    )
    min_score: float | None = Field(
        default=None, ge=0.0, le=1.0, description="Ignore findings below this score."
    )


class RedactItem(BaseModel):
    redacted_text: str
    findings: list[FindingOut]
    items: list[dict[str, Any]] = Field(description="What was replaced: span, label, replacement.")


class RedactResponse(BaseModel):
    id: str
    operator: str
    model_versions: dict[str, str]
    results: list[RedactItem]


# -- models, health, admin ------------------------------------------------------------------


class ServedDetector(BaseModel):
    name: str
    version: str = Field(description="The detector's own model version string.")
    registry_version: str | None = Field(description="Registry version of modops-<name>, when known.")
    aliases: list[str]
    labels: list[str]


class ModelsResponse(BaseModel):
    object: Literal["list"] = "list"
    generation: int = Field(description="Increments on every successful (re)load.")
    loaded_at: float | None
    policy: str
    normalizer_version: str | None
    data: list[ServedDetector]


class HealthResponse(BaseModel):
    status: str
    detail: dict[str, Any] = Field(default_factory=dict)


class ReloadRequest(_Request):
    force: bool = Field(default=False, description="Rebuild even when the champion versions did not change.")


class ReloadResponse(BaseModel):
    reloaded: bool
    generation: int
    versions: dict[str, str]
    message: str
