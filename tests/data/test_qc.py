"""QC finds what was planted: duplicates, near-duplicates, leakage, empty, overlong, mojibake."""

from __future__ import annotations

import pandas as pd
import pytest

from modops.data.qc import QCReport, run_qc

from .conftest import random_texts


def clean(n: int = 90) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "text": random_texts(n, seed=11, words=8),
            "label": ["pos" if i % 3 == 0 else "neg" for i in range(n)],
            "split": ["train"] * (n - 20) + ["validation"] * 10 + ["test"] * 10,
            "group": [f"g{i}" for i in range(n)],
        }
    )


def statuses(report: QCReport) -> dict[str, str]:
    return {c.name: c.status for c in report.checks}


def test_clean_data_passes() -> None:
    report = run_qc(clean())
    assert report.passed and not report.leakage and report.issues == []
    assert set(statuses(report).values()) == {"ok"}


def test_planted_problems_are_found() -> None:
    df = clean()
    t = df["text"].tolist()
    df.loc[1, "text"] = t[0]  # exact duplicate, same split (train)
    df.loc[1, "label"] = "pos" if df.loc[0, "label"] == "neg" else "neg"  # ... with a conflicting label
    df.loc[2, "text"] = t[3].upper() + "!"  # near-duplicate of row 3 (train)
    df.loc[75, "text"] = t[9]  # exact copy of a train text in validation: exact leakage
    df.loc[85, "text"] = t[6] + " ok"  # near copy of a train text in test: near leakage
    df.loc[86, "group"] = df.loc[7, "group"]  # a train group in test: group leakage
    df.loc[10, "text"] = "   "  # whitespace only
    df.loc[11, "text"] = None  # missing
    df.loc[12, "text"] = "x" * 501  # overlong (max_chars=500 below)
    df.loc[13, "text"] = "CafÃ© dÃ©jÃ  vu â€” itâ€™s broken"  # UTF-8 read as cp1252: mojibake
    df.loc[14, "text"] = "bad byte \ufffd here"  # replacement character
    df.loc[15, "text"] = "control \x07 char"
    df.loc[16, "text"] = "fish &amp; chips"  # HTML-escaped
    report = run_qc(df, max_chars=500)
    s = statuses(report)
    assert report.leakage and not report.passed
    assert s["leakage_exact"] == s["leakage_near"] == s["leakage_group"] == "fail"
    for name in (
        "empty",
        "exact_duplicates",
        "near_duplicates",
        "overlong",
        "mojibake",
        "invalid_encoding",
        "html_escaped",
    ):
        assert s[name] == "warn", name

    def rows(name: str) -> set[int]:
        return {e["row"] for e in report.check(name).examples}

    assert report.check("empty").count == 2 and rows("empty") == {10, 11}
    assert report.check("exact_duplicates").count == 2 and rows("exact_duplicates") == {1, 75}
    assert report.check("exact_duplicates").details["conflicting_label_texts"] == 1
    assert {2, 3, 6, 85} <= rows("near_duplicates")
    assert rows("leakage_exact") == {9, 75}
    assert rows("leakage_near") == {6, 85}
    assert rows("leakage_group") == {7, 86}
    assert rows("overlong") == {12} and rows("mojibake") == {13} and rows("invalid_encoding") == {14, 15}
    assert rows("html_escaped") == {16}


def test_class_balance_warns_below_min_share() -> None:
    df = clean(100).drop(columns="split")
    df["label"] = ["rare"] * 2 + ["common"] * 98
    check = run_qc(df).check("class_balance")
    assert check.status == "warn" and "rare" in check.summary
    assert check.details["imbalance_ratio"] == 49.0
    assert run_qc(df, min_class_share=0.01).check("class_balance").status == "ok"


def test_share_gap_between_splits_is_reported() -> None:
    df = clean()
    check = run_qc(df).check("class_balance")
    assert "max_share_gap_between_splits" in check.details and set(check.details["share_by_split"]) == {
        "train",
        "validation",
        "test",
    }


def test_skips_without_columns() -> None:
    s = statuses(run_qc(pd.DataFrame({"text": ["a b c d e", "f g h i j"]})))
    assert s["class_balance"] == s["leakage_exact"] == s["leakage_group"] == "skip"
    s = statuses(run_qc(pd.DataFrame({"x": [1, 2], "label": ["a", "b"]})))
    assert s["empty"] == s["near_duplicates"] == "skip" and s["class_balance"] == "ok"


def test_report_roundtrip_and_markdown() -> None:
    df = clean()
    df.loc[75, "text"] = df.loc[5, "text"]
    report = run_qc(df)
    again = QCReport.from_dict(report.to_dict())
    assert again.to_dict() == report.to_dict() and again.leakage
    md = report.to_markdown()
    assert md.startswith("**QC FAILED") and "| Leakage: exact texts | fail | 1 |" in md


def test_many_labels_is_not_a_balance_problem() -> None:
    df = pd.DataFrame({"text": random_texts(200, seed=2), "label": [f"w{i}" for i in range(200)]})
    check = run_qc(df).check("class_balance")
    assert check.status == "ok" and "200 distinct labels" in check.summary


@pytest.mark.parametrize("threshold", [0.5, 0.9])
def test_threshold_is_recorded(threshold: float) -> None:
    assert run_qc(clean(), near_dup_threshold=threshold).params["near_dup_threshold"] == threshold
