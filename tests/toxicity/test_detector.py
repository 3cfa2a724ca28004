"""The toxicity detector: bad input, truncation, batches, the shipped default and its severity buckets."""

from __future__ import annotations

import numpy as np
import pytest

from modops.detectors.toxicity import DEFAULT_BOUNDS, harm_from_cumulative
from modops.errors import InputError
from modops.evaluation.toxicity import CLEAR_TOXIC, SAFE_LOOKALIKES


@pytest.fixture(scope="module")
def det():
    from modops import load_detector

    return load_detector("toxicity", alias=None)  # the shipped default, no registry


def _sev(score: float) -> int:
    return int(sum(score >= b for b in DEFAULT_BOUNDS))


def test_harm_from_cumulative_keeps_the_voted_level() -> None:
    rng = np.random.default_rng(0)
    cum = np.sort(rng.random((500, 3)), axis=1)[:, ::-1]
    cut = (0.4, 0.5, 0.6)
    harm = harm_from_cumulative(cum, cut)
    level = (cum[:, 0] >= 0.4).astype(int) * (1 + (cum[:, 1] >= 0.5) * (1 + (cum[:, 2] >= 0.6)))
    assert np.array_equal([_sev(h) for h in harm], level)
    assert ((harm >= 0) & (harm <= 1)).all()
    # continuous at the cut-offs: just below / at a cut-off gives nearly the same score
    a = harm_from_cumulative(np.array([[0.9, 0.5 - 1e-9, 0.0]]), (0.5, 0.5, 0.5))[0]
    b = harm_from_cumulative(np.array([[0.9, 0.5, 0.0]]), (0.5, 0.5, 0.5))[0]
    assert abs(a - b) < 1e-6


def test_bad_input(det) -> None:
    with pytest.raises(InputError, match="batch"):
        det.analyze("a single string")
    with pytest.raises(InputError, match="item 1"):
        det.analyze(["ok", None])
    with pytest.raises(InputError, match="item 0"):
        det.analyze([42])
    with pytest.raises(InputError):
        det.analyze([b"bytes"])
    assert det.analyze([]) == []


def test_empty_and_whitespace_score_zero_with_explanation(det) -> None:
    for fs in det.analyze(["", "   "]):
        tox = fs[0]
        assert tox.label == "toxicity" and tox.score == 0.0
        assert tox.explanation["severity"] == "safe"
        assert any("empty" in n for n in tox.explanation["notes"])


def test_100kb_text_is_truncated_and_says_so(det) -> None:
    text = ("you are a stupid idiot. " * 5000)[:102_400]
    (fs,) = det.analyze([text])
    assert fs[0].explanation["truncated"] is True
    assert any("first" in n or "truncat" in n for n in fs[0].explanation["notes"])
    assert len(fs[0].explanation["normalized"]) <= 300


def test_mixed_batch_of_str_and_normalized(det) -> None:
    from modops.normalize import normalize

    batch = ["have a nice day", normalize("y0u are a f*cking idi0t"), "", "I will kill you"]
    out = det.analyze(batch)
    assert len(out) == 4
    labels = [[f.label for f in fs] for fs in out]
    assert all(ls == list(det.labels) for ls in labels)
    assert out[1][0].score > out[0][0].score
    assert out[1][0].explanation["changed_by_normalizer"] is True
    # same text as str or pre-normalized gives the same score
    again = det.analyze(["y0u are a f*cking idi0t"])[0][0].score
    assert again == pytest.approx(out[1][0].score)


def test_shipped_default_separates_toxic_safe_and_lookalikes(det) -> None:
    toxic = [fs[0].score for fs in det.analyze(list(CLEAR_TOXIC))]
    safe = [
        fs[0].score for fs in det.analyze(["have a lovely day", "thanks for your help", "see you tomorrow"])
    ]
    look = [fs[0].score for fs in det.analyze(list(SAFE_LOOKALIKES))]
    assert min(toxic) >= DEFAULT_BOUNDS[1], toxic  # every clear insult is at least "harmful"
    assert max(safe) < DEFAULT_BOUNDS[0], safe
    assert np.mean(look) < DEFAULT_BOUNDS[0] and max(look) < min(toxic), look


def test_shipped_default_via_registry_and_card() -> None:
    from modops import load_detector, registry
    from modops.detectors.bundle import default_bundle_path, read_bundle

    folder = default_bundle_path("toxicity")
    assert folder is not None
    meta = read_bundle(folder)
    size = sum(p.stat().st_size for p in folder.iterdir())
    assert size <= 25 * 1024 * 1024
    card = (folder / "MODEL_CARD.md").read_text()
    assert "modops train toxicity" in card and "CC-BY-4.0" in card
    d = load_detector("toxicity")  # registers the default as champion on first use
    assert registry.get_alias("toxicity", "champion") == "1"
    assert d.version == meta.version
    assert d.severity_label == "toxicity"


def test_shipped_default_keeps_neutral_identity_mentions_safe(det) -> None:
    """Regression guard for the bias check: at most the one documented failure (the model card's)."""
    from modops.evaluation.toxicity import GOLDEN_IDENTITY_SENTENCES

    out = det.analyze(list(GOLDEN_IDENTITY_SENTENCES))
    failing = {
        s: fs[0].score for s, fs in zip(GOLDEN_IDENTITY_SENTENCES, out, strict=True) if fs[0].score >= 0.2
    }
    # "queer" is a reclaimed slur that the training tweets mostly use as an insult (model card)
    assert set(failing) <= {"Being queer is part of who I am"}, failing


def test_shipped_default_keeps_held_out_identity_mentions_safe(det) -> None:
    """The held-out list (never used to build data or tune anything): every sentence is safe."""
    from modops.evaluation.toxicity import HOLDOUT_IDENTITY_SENTENCES

    out = det.analyze(list(HOLDOUT_IDENTITY_SENTENCES))
    failing = {
        s: fs[0].score for s, fs in zip(HOLDOUT_IDENTITY_SENTENCES, out, strict=True) if fs[0].score >= 0.2
    }
    assert not failing, failing


def test_bundle_from_modops_0_1_0_still_loads(tmp_path) -> None:
    """0.1.0 linear bundles hold a scikit-learn FeatureUnion in ``model.skops``: they keep working."""
    import skops.io as sio
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    from modops.detectors.bundle import BundleMeta, write_bundle
    from modops.detectors.toxicity import from_bundle

    texts = ["you stupid idiot", "have a nice day", "idiot idiot", "nice day today"]
    features = FeatureUnion(
        [("word", TfidfVectorizer()), ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 3)))]
    ).fit(texts)
    n = sum(len(v.vocabulary_) for _, v in features.transformer_list)
    coef = np.zeros((n, 4), dtype=np.float32)
    coef[features.transformer_list[0][1].vocabulary_["idiot"], :2] = 8.0
    sio.dump(
        {"features": features, "coef": coef, "intercept": np.full(4, -2.0, np.float32)},
        tmp_path / "model.skops",
    )
    meta = BundleMeta(
        detector="toxicity",
        version="old",
        family="linear",
        labels=["toxicity", "identity_attack"],
        label_map={},
        normalizer_version=None,
        thresholds={},
        training_config={},
        dataset_version=None,
        files=["model.skops"],
    )
    write_bundle(tmp_path, meta)
    out = from_bundle(tmp_path).analyze(["you idiot", "nice day"])
    assert out[0][0].score > out[1][0].score
