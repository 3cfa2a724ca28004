"""Harm-score mapping on real rows, augmentation, look-alikes and the grouped split (no leakage)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from modops.data import toxicity as tox
from tests.conftest import require_dataset


def test_davidson_votes_map_to_harm() -> None:
    path = require_dataset(tox.DAVIDSON)
    df = tox.davidson_rows(path.parents[1])
    raw = pd.read_csv(path)
    assert len(df) == len(raw)
    # unanimous offensive -> 0.6 (harmful), unanimous hate -> 0.9, unanimous neither -> 0
    off = (raw["offensive_language"] == raw["count"]).to_numpy()
    hate = (raw["hate_speech"] == raw["count"]).to_numpy()
    neither = (raw["neither"] == raw["count"]).to_numpy()
    assert np.allclose(df["harm"].to_numpy()[off], 0.6)
    assert np.allclose(df["harm"].to_numpy()[hate], 0.9)
    assert np.allclose(df["harm"].to_numpy()[neither], 0.0)
    assert df["harm"].between(0, 1).all()
    # row 1 of the file: 3 offensive votes of 3
    assert df["harm"].iat[1] == pytest.approx(0.6)
    assert df["identity_attack"].iat[1] == 0.0
    assert "&amp;" not in df["text"].iat[0]  # HTML entities undone


def test_ruddit_offensiveness_is_clipped() -> None:
    path = require_dataset(tox.RUDDIT)
    df = tox.ruddit_rows(path.parents[1])
    raw = pd.read_csv(path)
    assert not df["text"].isin(["[deleted]", "[removed]"]).any()
    assert df["identity_attack"].isna().all()
    by_id = raw.set_index("comment_id")["offensiveness_score"]
    ids = df["source_id"].str.removeprefix("ruddit:")
    assert np.allclose(df["harm"].to_numpy(), by_id.loc[ids].clip(0, 1).to_numpy())


def test_hatemoji_labels_and_pairs() -> None:
    require_dataset(tox.HATEMOJI[0])
    df = tox.hatemoji_rows(tox.Path(str(require_dataset("hatemoji"))).parent)
    hate = df["identity_attack"] == 1.0
    assert (df.loc[hate, "harm"] == 0.85).all()
    assert set(df.loc[~hate, "harm"].unique()) <= {0.0, 0.5}
    assert df["pair"].nunique() < len(df)  # contrastive pairs share a key


def test_lookalikes_are_safe_and_disjoint_from_golden() -> None:
    from modops.evaluation.toxicity import GOLDEN_IDENTITY_SENTENCES, HOLDOUT_IDENTITY_SENTENCES

    la = tox.safe_lookalikes(5000, seed=0)  # the dataset's default draw
    assert len(la) == 5000 and (la["harm"] == 0).all()

    def words(text: str) -> frozenset[str]:
        return frozenset(re.findall(r"[a-z]+", text.lower()))

    # not even a near-copy: the bias check must measure generalisation, not recall of training rows
    golden = [words(s) for s in (*GOLDEN_IDENTITY_SENTENCES, *HOLDOUT_IDENTITY_SENTENCES)]
    for text in set(la["text"]):
        w = words(text)
        for g in golden:
            assert len(w & g) / len(w | g) < 0.6, text


def test_obfuscated_variants_keep_score_and_group() -> None:
    base = pd.DataFrame(
        {
            "text": ["you are a stupid bitch", "kill yourself loser", "fuck off idiot"],
            "harm": [0.6, 0.9, 0.6],
            "identity_attack": [0.0, np.nan, 0.0],
            "source": "t",
            "source_id": ["a", "b", "c"],
            "pair": ["a", "b", "c"],
            "variant": "original",
        }
    )
    var = tox.obfuscated_variants(base, frac=1.0, seed=0)
    assert len(var) >= 2
    assert set(var["variant"]) <= set(tox.OBFUSCATION_KINDS)
    merged = var.merge(base[["pair", "harm"]], on="pair", suffixes=("", "_src"))
    assert (merged["harm"] == merged["harm_src"]).all()
    assert not set(var["text"]) & set(base["text"])


def test_grouped_split_has_no_leakage_and_qc_agrees() -> None:
    from modops.data.qc import run_qc
    from tests.toxicity.conftest import tiny_frame

    df = tiny_frame(400)
    tox.check_no_leakage(df)
    assert (df.groupby("group")["split"].nunique() == 1).all()
    assert set(df["split"]) == {"train", "validation", "test"}
    report = run_qc(df.rename(columns={"severity": "label"}), label_col="label")
    assert not report.leakage
    broken = df.copy()
    broken.loc[broken.index[0], "split"] = "test" if broken["split"].iat[0] != "test" else "train"
    broken.loc[broken.index[1], "group"] = broken["group"].iat[0]
    broken.loc[broken.index[1], "split"] = "train" if broken["split"].iat[0] == "test" else "test"
    broken.loc[broken.index[0], "split"] = "validation"
    with pytest.raises(tox.DataError):
        tox.check_no_leakage(broken)


def test_missing_dataset_file_is_a_clear_error(tmp_path: tox.Path) -> None:
    with pytest.raises(tox.NotFoundError, match="dataset file not found"):
        tox.davidson_rows(tmp_path)
    bad = tmp_path / tox.RUDDIT
    bad.parent.mkdir(parents=True)
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(tox.DataError, match="lacks columns"):
        tox.ruddit_rows(tmp_path)
