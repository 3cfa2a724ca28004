"""Detector bundles: the self-describing folder inside every model artifact (DESIGN §2).

A bundle is a folder with ``detector.json`` (the metadata below) plus the weight
files the detector needs. The MLflow pyfunc model wraps a bundle; shipped
defaults are bundles committed under ``modops/detectors/defaults/<name>/``.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from modops.errors import ArtifactError, NotFoundError

BUNDLE_FILE = "detector.json"


class BundleMeta(BaseModel):
    """What a loader needs to trust an artifact. A bundle missing any required field is refused."""

    model_config = ConfigDict(extra="allow")

    detector: str = Field(min_length=1)
    version: str = Field(min_length=1, description="Model version string, e.g. toxicity-linear-2026.11.22")
    family: str = Field(min_length=1, description="Model family: linear, minilm, recognizers+minilm, ...")
    labels: list[str] = Field(min_length=1)
    label_map: dict[str, Any]
    normalizer_version: str | None = Field(
        description="Pattern-database version used in training; null if none"
    )
    thresholds: dict[str, Any]
    training_config: dict[str, Any]
    dataset_version: str | None = Field(description="Dataset version id the model was trained on")
    files: list[str] = Field(default_factory=list, description="Weight files in the bundle")
    metrics: dict[str, Any] = Field(default_factory=dict)


def write_bundle(folder: Path, meta: BundleMeta) -> Path:
    """Write ``detector.json`` into ``folder`` (weights are written by the trainer)."""
    folder.mkdir(parents=True, exist_ok=True)
    missing = [f for f in meta.files if not (folder / f).exists()]
    if missing:
        raise ArtifactError(f"bundle {folder} lists files that do not exist: {', '.join(missing)}")
    (folder / BUNDLE_FILE).write_text(
        json.dumps(meta.model_dump(), indent=2, sort_keys=True), encoding="utf-8"
    )
    return folder


def read_bundle(folder: Path) -> BundleMeta:
    """Read and validate a bundle's metadata; raises ArtifactError naming what is missing."""
    path = Path(folder) / BUNDLE_FILE
    if not path.is_file():
        raise ArtifactError(f"not a modops model artifact: {folder} has no {BUNDLE_FILE}")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ArtifactError(f"unreadable {path}: {err}") from None
    try:
        meta = BundleMeta.model_validate(raw)
    except ValidationError as err:
        fields = ", ".join(".".join(str(p) for p in e["loc"]) for e in err.errors())
        raise ArtifactError(f"model artifact {folder} is incomplete or invalid: {fields}") from None
    missing = [f for f in meta.files if not (Path(folder) / f).exists()]
    if missing:
        raise ArtifactError(f"model artifact {folder} lacks files: {', '.join(missing)}")
    return meta


def default_bundle_path(detector: str) -> Path | None:
    """The shipped default bundle for ``detector``, or None if the package ships none."""
    root = resources.files("modops.detectors").joinpath("defaults", detector)
    path = Path(str(root))
    return path if (path / BUNDLE_FILE).is_file() else None


def require_default_bundle(detector: str) -> Path:
    path = default_bundle_path(detector)
    if path is None:
        raise NotFoundError(
            f"no shipped default model for detector {detector!r}; train one with `modops train {detector}`"
        )
    return path
