"""The one moderation pipeline: select detectors → normalize once → detect → policy → Decision.

The service, the CLI and batch jobs all call ``Moderator.moderate``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from modops.core import Decision, Detector, DetectorResult, Finding
from modops.errors import InputError, NotFoundError
from modops.normalize.types import NormalizedText
from modops.policy import ACTION_ORDER, Action, Policy, load_policy, severity_for


class TextNormalizer(Protocol):
    version: str

    def normalize(self, text: str) -> NormalizedText: ...


class _IdentityNormalizer:
    version = "none"

    def normalize(self, text: str) -> NormalizedText:
        return NormalizedText.identity(text, "none")


def _default_normalizer() -> TextNormalizer:
    try:
        from modops.normalize import get_normalizer
    except ImportError:  # normalizer not installed in a stripped-down build
        return _IdentityNormalizer()
    return get_normalizer()  # type: ignore[no-any-return]


def redact_spans(text: str, findings: Sequence[Finding]) -> str:
    """Replace each finding's span with ``<LABEL>``; overlapping spans merge, the higher score names them."""
    spans = sorted(
        (f for f in findings if f.start is not None and f.end is not None and f.end > f.start),
        key=lambda f: (f.start, -(f.end or 0)),
    )
    merged: list[list[Any]] = []
    for f in spans:
        if merged and f.start is not None and f.start < merged[-1][1]:
            last = merged[-1]
            last[1] = max(last[1], f.end)
            if f.score > last[3]:
                last[2], last[3] = f.label, f.score
        else:
            merged.append([f.start, f.end, f.label, f.score])
    out, pos = [], 0
    for start, end, label, _ in merged:
        out.append(text[pos:start])
        out.append(f"<{label}>")
        pos = end
    out.append(text[pos:])
    return "".join(out)


class Moderator:
    """Runs detectors over a batch of texts and applies a policy.

    ``detectors`` maps name → loaded Detector. Text detectors receive the shared
    ``NormalizedText`` objects, so normalization runs exactly once per text.
    """

    def __init__(
        self,
        detectors: Mapping[str, Detector],
        policy: Policy | None = None,
        normalizer: TextNormalizer | None = None,
        max_text_chars: int | None = None,
    ) -> None:
        self.detectors = dict(detectors)
        self.policy = policy if policy is not None else load_policy()
        self.normalizer = normalizer if normalizer is not None else _default_normalizer()
        if max_text_chars is None:
            from modops.config import get_settings

            max_text_chars = get_settings().max_text_chars
        self.max_text_chars = max_text_chars

    @classmethod
    def from_registry(
        cls, detectors: Sequence[str] | None = None, policy: Policy | None = None, alias: str = "champion"
    ) -> Moderator:
        """Load ``alias`` (or the shipped default) of each text detector the policy enables.

        Without ``detectors``, a detector the policy names but nothing can serve yet (no
        registered version and no shipped default) is skipped; if none is left, NotFoundError.
        """
        from modops.core import get_detector_spec
        from modops.detectors.loading import load_detector

        policy = policy if policy is not None else load_policy()
        names = list(detectors) if detectors else _servable_text_detectors(policy, alias)
        if not names:
            enabled = ", ".join(policy.enabled_detectors()) or "none"
            raise NotFoundError(
                f"no text detector to serve: no registered {alias} and no shipped default (policy enables: {enabled})"
            )
        loaded = {}
        for name in names:
            spec = get_detector_spec(name)
            if spec.kind != "text":
                raise InputError(f"detector {name!r} does not take text (it takes {spec.kind})")
            loaded[name] = load_detector(name, alias=alias)
        return cls(loaded, policy=policy)

    def select(self, names: Sequence[str] | None) -> list[str]:
        if not names:
            return list(self.detectors)
        unknown = [n for n in names if n not in self.detectors]
        if unknown:
            raise NotFoundError(
                f"unknown or not loaded detector(s): {', '.join(unknown)} (loaded: {', '.join(self.detectors) or 'none'})"
            )
        return list(dict.fromkeys(names))

    def moderate(self, texts: Sequence[str], detectors: Sequence[str] | None = None) -> list[Decision]:
        """Moderate a batch of texts. Raises InputError for non-string items."""
        for i, t in enumerate(texts):
            if not isinstance(t, str):
                raise InputError(f"item {i}: expected a string, got {type(t).__name__}")
        names = self.select(detectors)
        notes: list[list[str]] = [[] for _ in texts]
        clipped: list[str] = []
        for i, t in enumerate(texts):
            if len(t) > self.max_text_chars:
                notes[i].append(f"text truncated from {len(t)} to {self.max_text_chars} characters")
                t = t[: self.max_text_chars]
            if not t.strip():
                notes[i].append("empty text")
            clipped.append(t)

        t0 = time.perf_counter()
        normed = [self.normalizer.normalize(t) for t in clipped]
        norm_ms = (time.perf_counter() - t0) * 1000 / max(len(texts), 1)

        per_detector: dict[str, list[list[Finding]]] = {}
        det_ms: dict[str, float] = {}
        for name in names:
            t1 = time.perf_counter()
            per_detector[name] = self.detectors[name].analyze(normed)
            det_ms[name] = (time.perf_counter() - t1) * 1000 / max(len(texts), 1)

        decisions = []
        for i, nt in enumerate(normed):
            results: dict[str, DetectorResult] = {}
            all_findings: list[Finding] = []
            redactable: list[Finding] = []
            overall = Action.ALLOW
            for name in names:
                det = self.detectors[name]
                findings = per_detector[name][i]
                scores: dict[str, float] = {}
                for f in findings:
                    scores[f.label] = max(scores.get(f.label, 0.0), f.score)
                action = Action.ALLOW
                triggered: list[str] = []
                for f in findings:
                    act, rule = self.policy.action_for(name, f.label, f.score)
                    if rule is not None and act is not Action.ALLOW:
                        triggered.append(f"{f.label}>={rule.threshold}:{act.value}")
                        if act is Action.REDACT:
                            redactable.append(f)
                    if ACTION_ORDER[act] > ACTION_ORDER[action]:
                        action = act
                sev_label = getattr(det, "severity_label", None)
                severity = (
                    severity_for(scores.get(sev_label, 0.0), self.policy.severity) if sev_label else None
                )
                results[name] = DetectorResult(
                    detector=name,
                    version=det.version,
                    scores=scores,
                    findings=findings,
                    action=action.value,
                    severity=severity,
                    triggered=sorted(set(triggered)),
                )
                all_findings.extend(findings)
                if ACTION_ORDER[action] > ACTION_ORDER[overall]:
                    overall = action
            decisions.append(
                Decision(
                    action=overall.value,
                    flagged=overall is not Action.ALLOW,
                    results=results,
                    findings=all_findings,
                    normalized_text=nt.normalized,
                    substitutions=[s.to_dict() for s in nt.substitutions],
                    redacted_text=redact_spans(nt.original, redactable) if redactable else None,
                    model_versions={n: self.detectors[n].version for n in names}
                    | {"normalizer": getattr(self.normalizer, "version", "none")},
                    timings_ms={"normalize": norm_ms} | det_ms,
                    policy=self.policy.name,
                    notes=notes[i],
                )
            )
        return decisions


def _servable_text_detectors(policy: Policy, alias: str) -> list[str]:
    """Text detectors the policy enables that have a registered ``alias`` or a shipped default."""
    from modops import registry
    from modops.core import available_detectors, get_detector_spec
    from modops.detectors.bundle import default_bundle_path

    known = set(available_detectors())
    text = [n for n in policy.enabled_detectors() if n in known and get_detector_spec(n).kind == "text"]
    with_alias = (
        set(registry.champion_versions())
        if alias == "champion"
        else {n for n in text if registry.get_alias(n, alias) is not None}
    )
    return [n for n in text if n in with_alias or default_bundle_path(n) is not None]
