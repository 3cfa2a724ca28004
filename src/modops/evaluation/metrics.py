"""Classification metrics with bootstrap CIs (``modops.evaluation.bootstrap``).

Plain functions take numpy arrays and return floats, so they can be bootstrapped; the
``*_report`` helpers bundle them with 95% CIs into JSON-ready dicts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from modops.evaluation.bootstrap import Estimate, bootstrap


def roc_auc(y_true: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve (ties count half); NaN when one class is absent."""
    y = np.asarray(y_true).astype(bool)
    s = np.asarray(score, dtype=float)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    from scipy.stats import rankdata

    ranks = rankdata(s)  # average ranks handle ties (Mann-Whitney U)
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def pr_auc(y_true: np.ndarray, score: np.ndarray) -> float:
    """Average precision (step-wise area under the precision-recall curve); NaN without positives."""
    y = np.asarray(y_true).astype(bool)
    if not y.any():
        return float("nan")
    from sklearn.metrics import average_precision_score

    return float(average_precision_score(y, np.asarray(score, dtype=float)))


def confusion(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """Confusion matrix ``m[true, pred]`` of integer labels ``0..n_classes-1``."""
    m = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(m, (np.asarray(y_true, dtype=int), np.asarray(y_pred, dtype=int)), 1)
    return m


def per_class_prf(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """``(n_classes, 3)`` precision, recall, F1 per class (0 where undefined, as sklearn's zero_division=0)."""
    m = confusion(y_true, y_pred, n_classes)
    tp = np.diag(m).astype(float)
    pred = m.sum(axis=0).astype(float)
    true = m.sum(axis=1).astype(float)
    p = np.divide(tp, pred, out=np.zeros_like(tp), where=pred > 0)
    r = np.divide(tp, true, out=np.zeros_like(tp), where=true > 0)
    f = np.divide(2 * p * r, p + r, out=np.zeros_like(tp), where=(p + r) > 0)
    return np.column_stack([p, r, f])


def macro_f1(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int | None = None) -> float:
    """Unweighted mean F1 over classes present in ``y_true`` (or all ``n_classes`` when given)."""
    y_true = np.asarray(y_true, dtype=int)
    y_pred = np.asarray(y_pred, dtype=int)
    k = n_classes or int(max(y_true.max(initial=0), y_pred.max(initial=0)) + 1)
    f = per_class_prf(y_true, y_pred, k)[:, 2]
    present = np.bincount(y_true, minlength=k)[:k] > 0 if n_classes is None else np.ones(k, dtype=bool)
    return float(f[present].mean())


def expected_calibration_error(target: np.ndarray, prob: np.ndarray, n_bins: int = 10) -> float:
    """ECE with equal-width bins: Σ_b |B_b|/n · |mean(target_b) − mean(prob_b)|.

    ``target`` may be binary labels (classic ECE) or a continuous score in [0, 1] (calibration
    of a graded score).
    """
    t = np.asarray(target, dtype=float)
    p = np.clip(np.asarray(prob, dtype=float), 0, 1)
    if len(p) == 0:
        return float("nan")
    bins = np.minimum((p * n_bins).astype(int), n_bins - 1)
    ece = 0.0
    for b in range(n_bins):
        sel = bins == b
        if sel.any():
            ece += sel.mean() * abs(t[sel].mean() - p[sel].mean())
    return float(ece)


def reliability_curve(target: np.ndarray, prob: np.ndarray, n_bins: int = 10) -> list[dict[str, float]]:
    """Per-bin mean predicted vs mean observed (for calibration plots)."""
    t = np.asarray(target, dtype=float)
    p = np.clip(np.asarray(prob, dtype=float), 0, 1)
    bins = np.minimum((p * n_bins).astype(int), n_bins - 1)
    out = []
    for b in range(n_bins):
        sel = bins == b
        if sel.any():
            out.append(
                {
                    "bin": b,
                    "n": int(sel.sum()),
                    "predicted": float(p[sel].mean()),
                    "observed": float(t[sel].mean()),
                }
            )
    return out


def pr_curve(y_true: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(recall, precision) points of the precision-recall curve."""
    from sklearn.metrics import precision_recall_curve

    p, r, _ = precision_recall_curve(np.asarray(y_true).astype(int), np.asarray(score, dtype=float))
    return r, p


def _est(
    metric: Any, arrays: Sequence[np.ndarray], n_boot: int, seed: int, groups: np.ndarray | None
) -> dict[str, Any]:
    return bootstrap(metric, arrays, n_boot=n_boot, seed=seed, groups=groups).to_dict()


def binary_report(
    y_true: np.ndarray, score: np.ndarray, n_boot: int = 1000, seed: int = 0, groups: np.ndarray | None = None
) -> dict[str, Any]:
    """ROC-AUC, PR-AUC and ECE of a binary target, each with a bootstrap 95% CI."""
    y = np.asarray(y_true).astype(int)
    s = np.asarray(score, dtype=float)
    return {
        "n": len(y),
        "positives": int(y.sum()),
        "roc_auc": _est(roc_auc, [y, s], n_boot, seed, groups),
        "pr_auc": _est(pr_auc, [y, s], n_boot, seed, groups),
        "ece": _est(expected_calibration_error, [y, s], n_boot, seed, groups),
    }


def multiclass_report(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    class_names: Sequence[str],
    n_boot: int = 1000,
    seed: int = 0,
    groups: np.ndarray | None = None,
) -> dict[str, Any]:
    """Macro-F1, accuracy and per-class P/R/F1 (each with a bootstrap 95% CI) plus the confusion matrix."""
    k = len(class_names)
    yt = np.asarray(y_true, dtype=int)
    yp = np.asarray(y_pred, dtype=int)
    per_class: dict[str, dict[str, Any]] = {}
    for c, name in enumerate(class_names):
        per_class[name] = {
            "support": int((yt == c).sum()),
            **{
                metric: _est(
                    lambda a, b, c=c, j=j: per_class_prf(a, b, k)[c, j], [yt, yp], n_boot, seed, groups
                )
                for j, metric in enumerate(("precision", "recall", "f1"))
            },
        }
    return {
        "n": len(yt),
        "macro_f1": _est(lambda a, b: macro_f1(a, b, k), [yt, yp], n_boot, seed, groups),
        "accuracy": _est(lambda a, b: float((a == b).mean()), [yt, yp], n_boot, seed, groups),
        "per_class": per_class,
        "confusion_matrix": {"labels": list(class_names), "matrix": confusion(yt, yp, k).tolist()},
    }


def estimate(value: dict[str, Any]) -> Estimate:
    """Rebuild an ``Estimate`` from its ``to_dict`` form."""
    return Estimate(
        value["value"], value["ci_low"], value["ci_high"], value.get("level", 0.95), value.get("n_boot", 0)
    )
