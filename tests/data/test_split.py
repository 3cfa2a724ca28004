"""Split properties: ratios, stratification, groups, near-duplicates, seeds; MinHash grouping."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modops.data.qc import run_qc
from modops.data.split import lsh_params, minhash_signatures, near_duplicate_groups, split_frame
from modops.errors import DataError, InputError

from .conftest import random_texts


def frame(n: int = 1000, seed: int = 0, group_size: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "text": random_texts(n, seed=seed, words=6),
            "label": rng.choice(["a", "b", "c"], size=n, p=[0.7, 0.25, 0.05]),
            "group": [f"g{i // group_size}" for i in range(n)],
        }
    )


def test_ratios_and_stratification() -> None:
    df = frame(2000)
    out = split_frame(df, (0.8, 0.1, 0.1), stratify="label", seed=0)
    sizes = out["split"].value_counts(normalize=True)
    assert sizes["train"] == pytest.approx(0.8, abs=0.01)
    assert sizes["validation"] == pytest.approx(0.1, abs=0.01) and sizes["test"] == pytest.approx(
        0.1, abs=0.01
    )
    shares = pd.crosstab(out["split"], out["label"], normalize="index")
    overall = df["label"].value_counts(normalize=True)
    for label in overall.index:
        assert (shares[label] - overall[label]).abs().max() < 0.01  # each split keeps the proportions
    pd.testing.assert_frame_equal(out.drop(columns="split"), df)  # rows untouched, order kept


def test_two_ratios_give_train_and_test() -> None:
    out = split_frame(frame(200), (0.7, 0.3), stratify=None)
    assert set(out["split"]) == {"train", "test"}


def test_seed_reproducible_and_different_seeds_differ() -> None:
    df = frame(500)
    a = split_frame(df, seed=3)["split"]
    assert a.equals(split_frame(df, seed=3)["split"])
    assert not a.equals(split_frame(df, seed=4)["split"])


def test_groups_never_straddle_and_stratify_by_majority() -> None:
    df = frame(1200, group_size=6)
    out = split_frame(df, stratify="label", group="group", seed=1)
    assert (out.groupby("group")["split"].nunique() == 1).all()
    assert out["split"].value_counts(normalize=True)["train"] == pytest.approx(0.8, abs=0.02)


def test_near_duplicates_and_exact_copies_stay_together() -> None:
    base = random_texts(300, seed=5, words=10)
    texts = base + [t.upper() + " !" for t in base[:100]] + base[100:150]  # near copies + exact copies
    df = pd.DataFrame({"text": texts, "label": ["x"] * len(texts)})
    out = split_frame(df, seed=0, near_dup_threshold=0.8)
    report = run_qc(out, near_dup_threshold=0.8)
    assert report.check("leakage_exact").status == "ok"
    assert report.check("leakage_near").status == "ok"
    # without near-duplicate grouping the near copies do leak (exact copies still never do)
    loose = run_qc(split_frame(df, seed=0, near_dup_threshold=None))
    assert loose.check("leakage_exact").status == "ok"
    assert loose.check("leakage_near").status == "fail"


@settings(max_examples=25, deadline=None)
@given(
    groups=st.lists(st.integers(min_value=0, max_value=15), min_size=1, max_size=80),
    seed=st.integers(min_value=0, max_value=2**16),
)
def test_property_no_group_in_two_splits(groups: list[int], seed: int) -> None:
    df = pd.DataFrame(
        {"text": [f"t{i}" for i in range(len(groups))], "label": [g % 2 for g in groups], "group": groups}
    )
    out = split_frame(df, group="group", seed=seed)
    assert (out.groupby("group")["split"].nunique() == 1).all()
    assert set(out["split"]) <= {"train", "validation", "test"}


@pytest.mark.parametrize("ratios", [(0.5, 0.5, 0.5), (1.2, -0.2), (1.0,), (0.25, 0.25, 0.25, 0.25)])
def test_bad_ratios(ratios: tuple[float, ...]) -> None:
    with pytest.raises(InputError, match="ratios"):
        split_frame(frame(10), ratios)


def test_missing_columns() -> None:
    with pytest.raises(DataError, match="no column 'nope'"):
        split_frame(frame(10), stratify="nope")
    with pytest.raises(DataError, match="no column 'nope'"):
        split_frame(frame(10), group="nope")


def test_near_duplicate_groups_basic() -> None:
    texts = [
        "the quick brown fox jumps over the lazy dog",
        "The quick brown fox jumps over the lazy dog!",
        "completely different sentence about cats and tea",
        "the  QUICK brown fox jumps over the lazy dog",
        "",
        None,
        "completely different sentence about cats and coffee, with more words",
    ]
    g = near_duplicate_groups(texts, threshold=0.8)
    assert g.dtype == np.int64 and g.tolist()[:4] == [0, 0, 2, 0]
    assert g[4] == g[5] == 4  # empty and missing are the same (empty) text
    assert g[6] == 6
    assert near_duplicate_groups([], 0.8).size == 0
    with pytest.raises(InputError):
        near_duplicate_groups(texts, threshold=0)


def test_minhash_estimates_jaccard() -> None:
    a = "one two three four five six seven eight nine ten eleven twelve"
    b = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen"
    sig = minhash_signatures([a, b, a], num_perm=256)
    shingles = [{t[i : i + 5] for i in range(len(t) - 4)} for t in (a, b)]
    true = len(shingles[0] & shingles[1]) / len(shingles[0] | shingles[1])
    assert (sig[0] == sig[2]).all()
    assert (sig[0] == sig[1]).mean() == pytest.approx(true, abs=0.1)


def test_lsh_params_fit_the_budget() -> None:
    bands, rows = lsh_params(0.8, 64)
    assert bands * rows <= 64 and 0.6 < (1 / bands) ** (1 / rows) < 0.9
