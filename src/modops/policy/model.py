"""Policy model, loaded from YAML and validated with pydantic (``extra="forbid"``)."""

from __future__ import annotations

from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from modops.errors import NotFoundError, PolicyError


class Action(StrEnum):
    """What to do with an item. Ordered from least to most severe."""

    ALLOW = "allow"
    REDACT = "redact"
    REVIEW = "review"
    BLOCK = "block"


ACTION_ORDER: dict[str, int] = {a.value: i for i, a in enumerate(Action)}

SEVERITIES: tuple[str, ...] = ("safe", "potentially_harmful", "harmful", "extremely_harmful")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SeverityThresholds(_Strict):
    """Lower bounds of each severity bucket on a [0, 1] harm score; ``safe`` is below the first."""

    potentially_harmful: float = Field(0.2, ge=0.0, le=1.0)
    harmful: float = Field(0.5, ge=0.0, le=1.0)
    extremely_harmful: float = Field(0.8, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _ordered(self) -> SeverityThresholds:
        if not self.potentially_harmful <= self.harmful <= self.extremely_harmful:
            raise ValueError("severity thresholds must be non-decreasing")
        return self


def severity_for(score: float, thresholds: SeverityThresholds) -> str:
    """Map a harm score to its severity bucket."""
    if score >= thresholds.extremely_harmful:
        return "extremely_harmful"
    if score >= thresholds.harmful:
        return "harmful"
    if score >= thresholds.potentially_harmful:
        return "potentially_harmful"
    return "safe"


class Rule(_Strict):
    """``label`` at or above ``threshold`` triggers ``action``. ``label: "*"`` matches every label."""

    label: str = Field(min_length=1)
    action: Action
    threshold: float = Field(0.5, ge=0.0, le=1.0)
    description: str = ""

    def matches(self, label: str) -> bool:
        return self.label == "*" or self.label == label


class DetectorPolicy(_Strict):
    """Rules for one detector."""

    enabled: bool = True
    rules: list[Rule] = Field(default_factory=list)


class Policy(_Strict):
    """A named, versioned moderation policy."""

    name: str = Field(min_length=1)
    version: str = "1"
    description: str = ""
    severity: SeverityThresholds = SeverityThresholds()
    detectors: dict[str, DetectorPolicy] = Field(default_factory=dict)

    def rules_for(self, detector: str) -> list[Rule]:
        dp = self.detectors.get(detector)
        return list(dp.rules) if dp and dp.enabled else []

    def enabled_detectors(self) -> list[str]:
        return [name for name, dp in self.detectors.items() if dp.enabled]

    def action_for(self, detector: str, label: str, score: float) -> tuple[Action, Rule | None]:
        """The most severe action any rule triggers for this (label, score)."""
        best: tuple[Action, Rule | None] = (Action.ALLOW, None)
        for rule in self.rules_for(detector):
            fires = rule.matches(label) and score >= rule.threshold
            if fires and ACTION_ORDER[rule.action] > ACTION_ORDER[best[0]]:
                best = (rule.action, rule)
        return best


def _format_validation_error(err: ValidationError) -> str:
    parts = []
    for e in err.errors():
        loc = ".".join(str(x) for x in e["loc"]) or "<root>"
        parts.append(f"{loc}: {e['msg']}")
    return "; ".join(parts)


def policy_from_dict(data: Any, source: str) -> Policy:
    """Validate a parsed policy mapping; every problem becomes one PolicyError line."""
    if not isinstance(data, dict):
        raise PolicyError(f"invalid policy {source}: expected a mapping at the top level")
    try:
        return Policy.model_validate(data)
    except ValidationError as err:
        raise PolicyError(f"invalid policy {source}: {_format_validation_error(err)}") from None


def load_policy(name_or_path: str | Path | None = None) -> Policy:
    """Load a shipped policy by name (``default``) or a YAML file by path.

    A missing or invalid policy raises; there is no silent fallback.
    """
    if name_or_path is None:
        from modops.config import get_settings

        name_or_path = get_settings().policy
    text: str
    source = str(name_or_path)
    path = Path(name_or_path)
    if path.suffix in {".yaml", ".yml"} or path.exists():
        if not path.is_file():
            raise NotFoundError(f"policy file not found: {path}")
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise PolicyError(f"cannot read policy {path}: {err}") from None
    else:
        res = resources.files("modops.policy").joinpath(f"{name_or_path}_policy.yaml")
        if not res.is_file():
            raise NotFoundError(f"unknown policy {name_or_path!r} (shipped: default)")
        text = res.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise PolicyError(f"invalid policy {source}: not valid YAML ({str(err).splitlines()[0]})") from None
    return policy_from_dict(data, source)
