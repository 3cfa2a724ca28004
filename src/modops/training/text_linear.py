"""Linear text family: TF-IDF word + char n-grams → one logistic-regression head per target.

Heads share the features; their weights are stacked into one ``(n_features, n_heads)`` matrix so
inference is one sparse matrix product. Saved with skops (no pickle).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np


@dataclass
class LinearConfig:
    """Hyper-parameters of the linear family (logged to MLflow)."""

    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (2, 5)
    word_max_features: int = 100_000
    char_max_features: int = 150_000
    min_df: int = 2
    C: float = 4.0
    max_iter: int = 1000

    def to_dict(self) -> dict[str, Any]:
        return {"family": "linear", **asdict(self)}


def build_features(cfg: LinearConfig) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    return FeatureUnion(
        [
            (
                "word",
                TfidfVectorizer(
                    ngram_range=cfg.word_ngrams,
                    min_df=cfg.min_df,
                    max_features=cfg.word_max_features,
                    sublinear_tf=True,
                    dtype=np.float32,
                ),
            ),
            (
                "char",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=cfg.char_ngrams,
                    min_df=cfg.min_df,
                    max_features=cfg.char_max_features,
                    sublinear_tf=True,
                    dtype=np.float32,
                ),
            ),
        ]
    )


def fit_linear(texts: list[str], targets: np.ndarray, cfg: LinearConfig) -> dict[str, Any]:
    """Fit the features and one binary logistic head per column of ``targets`` (NaN = unlabelled row).

    Returns the skops-serializable model dict ``{"features", "coef", "intercept"}``. A head whose
    labelled rows hold one class only gets a constant intercept (its base rate).
    """
    from sklearn.linear_model import LogisticRegression

    features = build_features(cfg)
    x = features.fit_transform(texts)
    n_heads = targets.shape[1]
    coef = np.zeros((x.shape[1], n_heads), dtype=np.float32)
    intercept = np.zeros(n_heads, dtype=np.float32)
    for j in range(n_heads):
        known = ~np.isnan(targets[:, j])
        y = targets[known, j] >= 0.5
        if y.all() or not y.any():
            rate = float(np.clip(y.mean() if len(y) else 0.0, 1e-4, 1 - 1e-4))
            intercept[j] = np.log(rate / (1 - rate))
            continue
        clf = LogisticRegression(C=cfg.C, solver="liblinear", max_iter=cfg.max_iter)
        clf.fit(x[known], y)
        coef[:, j] = clf.coef_[0]
        intercept[j] = clf.intercept_[0]
    return {"features": features, "coef": coef, "intercept": intercept}


def save_linear(model: dict[str, Any], folder: Path) -> list[str]:
    """Write ``model.skops`` into ``folder``; returns the bundle file list.

    Each vectorizer's vocabulary is stored as one numpy string array (term ``i`` has column ``i``)
    instead of a 250k-entry dict: skops (de)serializes dicts item by item, which made loading take
    ~25 s; an array loads in milliseconds. :func:`load_linear` rebuilds the dicts.
    """
    import skops.io as sio

    folder.mkdir(parents=True, exist_ok=True)
    vocab: dict[str, np.ndarray] = {}
    for name, vec in model["features"].transformer_list:
        # ``stop_words_`` holds every pruned n-gram (millions): introspection only, safe to drop.
        if hasattr(vec, "stop_words_"):
            delattr(vec, "stop_words_")
        if hasattr(vec, "vocabulary_"):
            terms = np.empty(len(vec.vocabulary_), dtype=object)
            for term, idx in vec.vocabulary_.items():
                terms[int(idx)] = term
            vocab[name] = terms.astype(str)
            del vec.vocabulary_
    payload = {
        "features": model["features"],
        "vocab": vocab,
        "coef": model["coef"],
        "intercept": model["intercept"],
    }
    sio.dump(payload, folder / "model.skops", compression=8)  # zip deflate keeps the vocabulary small
    for name, vec in model["features"].transformer_list:  # keep the in-memory model usable
        if name in vocab:
            vec.vocabulary_ = {t: i for i, t in enumerate(vocab[name].tolist())}
    return ["model.skops"]


def load_linear(path: Path) -> dict[str, Any]:
    """Load ``model.skops`` (no untrusted types are accepted) and restore the vocabularies."""
    import skops.io as sio

    obj = sio.load(path, trusted=[])
    for name, vec in obj["features"].transformer_list:
        terms = obj.get("vocab", {}).get(name)
        if terms is not None:
            vec.vocabulary_ = {t: i for i, t in enumerate(terms.tolist())}
    return dict(obj)


def predict_linear(model: dict[str, Any], texts: list[str]) -> np.ndarray:
    """Head probabilities ``(n, n_heads)``; same maths as the detector's scorer."""
    from modops.detectors.toxicity import sigmoid

    x = model["features"].transform(texts)
    return sigmoid(np.asarray(x @ model["coef"]) + model["intercept"])
