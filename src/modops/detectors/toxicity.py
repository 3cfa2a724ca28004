"""Toxicity detector (inference only): a harm score in [0, 1] with severity, plus category scores.

Both model families output four probabilities per text: three *cumulative* severity heads
``P(harm ≥ 0.2)``, ``P(harm ≥ 0.5)``, ``P(harm ≥ 0.8)`` and ``P(identity_attack)``. The cumulative
heads become one harm score with :func:`harm_from_cumulative`, which puts the text in the severity
bucket the heads vote for (cut-offs tuned on the validation split) and places it inside the bucket
by the next head's confidence, so the score is continuous and its bucket is the predicted level.

* ``linear``: TF-IDF word + char n-grams → logistic regression heads, saved as plain arrays.
* ``minilm``: fine-tuned all-MiniLM-L6-v2 exported to int8 ONNX; served with onnxruntime and
  ``tokenizers`` only (no torch at inference).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from modops.core import DetectorSpec, Finding, register_detector
from modops.detectors.bundle import BundleMeta, read_bundle
from modops.errors import ArtifactError, InputError
from modops.normalize.types import NormalizedText

NAME = "toxicity"
HEADS: tuple[str, ...] = ("ge_potentially_harmful", "ge_harmful", "ge_extremely_harmful", "identity_attack")
CATEGORIES: tuple[str, ...] = ("identity_attack",)
SEVERITIES: tuple[str, ...] = ("safe", "potentially_harmful", "harmful", "extremely_harmful")
DEFAULT_BOUNDS: tuple[float, float, float] = (0.2, 0.5, 0.8)
MAX_SCORED_CHARS = 10_000  # longer texts are scored on their first 10k characters (and say so)
_EXPLAIN_CHARS = 300


def sigmoid(x: np.ndarray) -> np.ndarray:
    # ndarray.clip is what np.clip calls for an array, without np.clip's dispatch (~5 µs a call)
    clipped = x.clip(-40, 40) if isinstance(x, np.ndarray) else np.clip(x, -40, 40)
    return 1.0 / (1.0 + np.exp(-clipped))


@functools.lru_cache(maxsize=32)
def _harm_constants(cutoffs: tuple[float, ...], bounds: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray]:
    """``(clipped cut-offs, level edges)`` for :func:`harm_from_cumulative` (read-only, shared)."""
    t = np.clip(np.asarray(cutoffs, dtype=float), 1e-6, 1 - 1e-6)
    edges = np.array([0.0, *bounds, 1.0])
    t.flags.writeable = edges.flags.writeable = False
    return t, edges


def harm_from_cumulative(
    cum: np.ndarray, cutoffs: Sequence[float] = (0.5, 0.5, 0.5), bounds: Sequence[float] = DEFAULT_BOUNDS
) -> np.ndarray:
    """Harm scores from cumulative level probabilities ``cum[:, j] = P(level ≥ j+1)``.

    The level is the number of consecutive heads at or above their cut-off; inside level ``k``
    the score moves from bound ``k`` towards bound ``k+1`` as head ``k+1`` approaches its cut-off.
    """
    # called per request on 1-4 rows: few numpy calls (each costs µs), same arithmetic as before
    cum = np.minimum.accumulate(np.asarray(cum, dtype=float).reshape(-1, 3), axis=1)  # must not increase
    t, edges = _harm_constants(tuple(map(float, cutoffs)), tuple(map(float, bounds)))
    level = np.logical_and.accumulate(cum >= t, axis=1).sum(axis=1)  # leading heads at/above cut-off
    nxt = np.minimum(level, 2)  # head for level k+1 (index k), for levels below the top
    frac = (cum[np.arange(len(cum)), nxt] / t[nxt]).clip(0, 1 - 1e-9)
    top = level == 3
    if top.any():
        frac[top] = ((cum[top, 2] - t[2]) / (1 - t[2])).clip(0, 1)
    lo, hi = edges[level], edges[level + 1]
    return (lo + (hi - lo) * frac).clip(0.0, 1.0)


class _LinearScorer:
    """TF-IDF n-grams + logistic heads, loaded from ``model.npz`` (or a 0.1.0 ``model.skops``); no pickle."""

    def __init__(self, folder: Path) -> None:
        from modops.training.text_linear import load_linear

        try:
            self.model = load_linear(folder)
        except Exception as err:  # numpy/zip/skops raise many types for corrupt or missing files
            raise ArtifactError(f"cannot load the linear model in {folder}: {err}") from None

    def __call__(self, texts: list[str]) -> np.ndarray:
        from modops.training.text_linear import linear_scores

        return sigmoid(linear_scores(self.model, texts))


class _OnnxScorer:
    """Fine-tuned MiniLM as int8 ONNX, tokenized with ``tokenizers`` (no torch)."""

    # Rows per ONNX run after sorting by token count: padding to the longest of 64 random tweets
    # doubled the tokens computed (1.9x); runs of 8 length-sorted rows keep it near 1.1x (2.2x texts/s).
    BUCKET_ROWS = 8

    def __init__(self, folder: Path, max_length: int, threads: int | None = None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=max_length)
        self.tokenizer.no_padding()  # padded per bucket below (tokenizer.json ships Fixed(128) padding)
        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # Spinning worker threads collapse throughput when the CPU is shared (2-core boxes, several
        # workers): measured 138 → 235 texts/s. One thread per session by default; the service
        # parallelises across requests, batch jobs pass 2 (``MODOPS_ORT_THREADS``; 0 = onnxruntime default).
        if threads is None:
            threads = int(os.environ.get("MODOPS_ORT_THREADS", "1"))
        # With N > 1 threads a batch's buckets run on N single-threaded callers of one session instead
        # of splitting each small matmul N ways: buckets are independent, so there are no intra-op
        # barriers (same-process A/B, 2 threads: 1.03-1.16x texts/s). A lone bucket runs on one thread.
        self.workers = max(1, threads)
        opts.intra_op_num_threads = 1 if self.workers > 1 else threads
        opts.inter_op_num_threads = 1
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(
            str(folder / "model.onnx"), opts, providers=["CPUExecutionProvider"]
        )
        self.inputs = {i.name for i in self.session.get_inputs()}
        self._pool: Any = None
        self._pool_pid = 0

    def _map(self, fn: Any, items: list[Any]) -> None:
        if self.workers == 1 or len(items) == 1:
            for x in items:
                fn(x)
            return
        from concurrent.futures import ThreadPoolExecutor

        if self._pool is None or self._pool_pid != os.getpid():  # a forked child has no pool threads
            self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="modops-onnx")
            self._pool_pid = os.getpid()
        list(self._pool.map(fn, items))  # list(): re-raise the first worker error here

    def __call__(self, texts: list[str], batch_size: int = BUCKET_ROWS) -> np.ndarray:
        ids = [e.ids for e in self.tokenizer.encode_batch(texts)]
        # sort by token count so each run pads to a near-equal length, then restore the order
        order = np.argsort([len(x) for x in ids], kind="stable")
        logits = np.zeros((len(texts), len(HEADS)), dtype=np.float32)

        def run(start: int) -> None:
            rows = order[start : start + batch_size]
            width = max(len(ids[rows[-1]]), 1)
            input_ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for r, j in enumerate(rows):
                input_ids[r, : len(ids[j])] = ids[j]
                mask[r, : len(ids[j])] = 1
            feed = {"input_ids": input_ids, "attention_mask": mask}
            if "token_type_ids" in self.inputs:
                feed["token_type_ids"] = np.zeros_like(input_ids)
            logits[rows] = self.session.run(None, feed)[0]  # disjoint rows per bucket: no lock needed

        self._map(run, list(range(0, len(texts), batch_size)))
        return sigmoid(logits)


class ToxicityDetector:
    """Harm score + severity + ``identity_attack`` for batches of ``str | NormalizedText``."""

    name = NAME
    severity_label = "toxicity"

    def __init__(self, folder: Path, meta: BundleMeta) -> None:
        self.meta = meta
        self.version = meta.version
        self.family = meta.family
        self.labels: tuple[str, ...] = ("toxicity", *[c for c in CATEGORIES if c in meta.labels])
        th = meta.thresholds
        self.cutoffs = tuple(float(x) for x in th.get("cutoffs", (0.5, 0.5, 0.5)))
        sev = th.get("severity", {})
        self.bounds = (
            float(sev.get("potentially_harmful", DEFAULT_BOUNDS[0])),
            float(sev.get("harmful", DEFAULT_BOUNDS[1])),
            float(sev.get("extremely_harmful", DEFAULT_BOUNDS[2])),
        )
        if meta.family == "linear":
            self._score: Any = _LinearScorer(folder)
        elif meta.family == "minilm":
            self._score = _OnnxScorer(folder, int(meta.training_config.get("max_length", 128)))
        else:
            raise ArtifactError(f"unknown toxicity model family {meta.family!r} in {folder}")

    def severity(self, score: float) -> str:
        return SEVERITIES[int(sum(score >= b for b in self.bounds))]

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        """Raw head probabilities (n, 4) for already-normalized texts (used by evaluation)."""
        return self._score(texts) if texts else np.zeros((0, len(HEADS)))

    def harm(self, probs: np.ndarray) -> np.ndarray:
        return harm_from_cumulative(probs[:, :3], self.cutoffs, self.bounds)

    def analyze(self, batch: Sequence[Any]) -> list[list[Finding]]:
        if isinstance(batch, (str, NormalizedText)) or not isinstance(batch, Sequence):
            raise InputError("analyze expects a list of texts (a batch); wrap a single text in a list")
        for i, item in enumerate(batch):
            if not isinstance(item, (str, NormalizedText)):
                raise InputError(f"item {i}: expected a string, got {type(item).__name__}")
        normed = _normalize(list(batch))
        texts: list[str] = []
        notes: list[list[str]] = []
        for nt in normed:
            n: list[str] = list(nt.notes)
            text = nt.normalized
            if nt.truncated and not any("truncat" in x for x in n):
                n.append("input was truncated before normalization")
            if len(text) > MAX_SCORED_CHARS:
                n.append(f"scored the first {MAX_SCORED_CHARS} of {len(text)} normalized characters")
                text = text[:MAX_SCORED_CHARS]
            texts.append(text)
            notes.append(n)
        live = [i for i, t in enumerate(texts) if t.strip()]
        probs = np.zeros((len(texts), len(HEADS)))
        if live:
            probs[live] = self.predict_proba([texts[i] for i in live])
        harm = self.harm(probs)
        results: list[list[Finding]] = []
        live_set = set(live)
        for i, nt in enumerate(normed):
            empty = i not in live_set
            score = 0.0 if empty else float(harm[i])
            note = notes[i] + (["empty text: nothing to score"] if empty else [])
            explanation: dict[str, Any] = {
                "severity": self.severity(score),
                "model": f"{self.family}:{self.version}",
                "normalized": nt.normalized[:_EXPLAIN_CHARS],
                "changed_by_normalizer": nt.normalized != nt.original,
                "p_harmful": round(float(probs[i, 1]), 6),
                "truncated": bool(nt.truncated or any("scored the first" in x for x in note)),
            }
            if nt.substitutions:
                explanation["substitutions"] = [s.to_dict() for s in nt.substitutions[:20]]
            if note:
                explanation["notes"] = note
            findings = [Finding(NAME, "toxicity", score, explanation=explanation)]
            for j, cat in enumerate(CATEGORIES, start=3):
                if cat in self.labels:
                    findings.append(
                        Finding(
                            NAME,
                            cat,
                            0.0 if empty else float(probs[i, j]),
                            explanation={"model": explanation["model"]},
                        )
                    )
            results.append(findings)
        return results


def _normalize(items: list[str | NormalizedText]) -> list[NormalizedText]:
    try:
        from modops.normalize import ensure_normalized
    except ImportError:  # stripped-down build without the normalizer: score the raw text
        return [i if isinstance(i, NormalizedText) else NormalizedText.identity(i) for i in items]
    return list(ensure_normalized(items))


def from_bundle(source: Path | str | None = None) -> ToxicityDetector:
    """Build the detector from a bundle folder (``None`` = the shipped default)."""
    from modops.detectors.bundle import require_default_bundle

    folder = Path(source) if source is not None else require_default_bundle(NAME)
    meta = read_bundle(folder)
    if meta.detector != NAME:
        raise ArtifactError(f"{folder} holds a {meta.detector!r} model, not a toxicity model")
    return ToxicityDetector(folder, meta)


def register() -> None:
    register_detector(
        DetectorSpec(
            name=NAME,
            kind="text",
            factory=from_bundle,
            description="Harm score with severity levels (safe … extremely_harmful) and identity_attack.",
        )
    )
