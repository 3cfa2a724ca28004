"""Metric functions against hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest

from modops.evaluation.metrics import (
    binary_report,
    confusion,
    expected_calibration_error,
    macro_f1,
    multiclass_report,
    per_class_prf,
    pr_auc,
    roc_auc,
)


def test_roc_auc_hand_computed() -> None:
    # pairs (pos, neg): (0.8>0.3) (0.8>0.6) (0.4>0.3) (0.4<0.6) -> 3/4
    assert roc_auc(np.array([1, 0, 1, 0]), np.array([0.8, 0.3, 0.4, 0.6])) == pytest.approx(0.75)
    assert roc_auc(np.array([1, 0]), np.array([0.5, 0.5])) == pytest.approx(0.5)  # ties count half
    assert np.isnan(roc_auc(np.array([1, 1]), np.array([0.1, 0.2])))


def test_pr_auc_hand_computed() -> None:
    # ranked: 0.9 (pos) 0.8 (neg) 0.7 (pos): AP = 0.5*1 + 0.5*(2/3)
    assert pr_auc(np.array([1, 0, 1]), np.array([0.9, 0.8, 0.7])) == pytest.approx(0.5 + 1 / 3)


def test_confusion_and_per_class() -> None:
    y = np.array([0, 0, 1, 1, 2])
    p = np.array([0, 1, 1, 1, 0])
    m = confusion(y, p, 3)
    assert m.tolist() == [[1, 1, 0], [0, 2, 0], [1, 0, 0]]
    prf = per_class_prf(y, p, 3)
    # class 0: P=1/2 R=1/2 F=1/2; class 1: P=2/3 R=1 F=0.8; class 2: 0
    assert prf[0].tolist() == pytest.approx([0.5, 0.5, 0.5])
    assert prf[1].tolist() == pytest.approx([2 / 3, 1.0, 0.8])
    assert prf[2].tolist() == [0.0, 0.0, 0.0]
    assert macro_f1(y, p, 3) == pytest.approx((0.5 + 0.8 + 0.0) / 3)


def test_macro_f1_matches_sklearn() -> None:
    from sklearn.metrics import f1_score

    rng = np.random.default_rng(0)
    y, p = rng.integers(0, 4, 200), rng.integers(0, 4, 200)
    assert macro_f1(y, p, 4) == pytest.approx(f1_score(y, p, average="macro"))


def test_ece_hand_computed() -> None:
    # bin [0.2,0.3): p=0.2,0.2 observed 0.5 -> |0.5-0.2|=0.3 weight 0.5; bin [0.9,1]: p=0.9 observed 1 -> 0.1
    ece = expected_calibration_error(np.array([1, 0, 1, 1]), np.array([0.2, 0.2, 0.9, 0.9]))
    assert ece == pytest.approx(0.5 * 0.3 + 0.5 * 0.1)
    assert expected_calibration_error(np.array([0.0, 1.0]), np.array([0.0, 1.0])) == 0.0


def test_reports_have_cis() -> None:
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 300)
    s = np.clip(y * 0.6 + rng.random(300) * 0.5, 0, 1)
    rep = binary_report(y, s, n_boot=50)
    assert rep["roc_auc"]["ci_low"] <= rep["roc_auc"]["value"] <= rep["roc_auc"]["ci_high"]
    mc = multiclass_report(y, (s > 0.5).astype(int), ["a", "b"], n_boot=50)
    assert set(mc["per_class"]) == {"a", "b"}
    assert sum(map(sum, mc["confusion_matrix"]["matrix"])) == 300
