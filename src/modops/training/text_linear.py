"""Linear text family: TF-IDF word + char n-grams → one logistic-regression head per target.

Features come from :class:`modops.detectors.ngram_features.NgramTfidf` (n-gram hashes computed with
numpy for a whole batch). Heads share the features; their weights are stacked into one
``(n_features, n_heads)`` matrix, so inference is one pass over the batch's n-grams. Saved as
``model.npz`` (plain arrays, loaded with ``allow_pickle=False``). Bundles from modops 0.1.0 hold a
scikit-learn pipeline in ``model.skops``; :func:`load_linear` still reads them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from modops.detectors.ngram_features import NgramTfidf

FORMAT = "modops-linear/2"


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
    identity_weight: float = 5.0  # sample weight of the counterfactual identity rows (bias mitigation)

    def to_dict(self) -> dict[str, Any]:
        return {"family": "linear", "features": FORMAT, **asdict(self)}


def build_features(cfg: LinearConfig, texts: list[str]) -> NgramTfidf:
    return NgramTfidf.fit(
        texts,
        word_ngrams=tuple(cfg.word_ngrams),  # type: ignore[arg-type]
        char_ngrams=tuple(cfg.char_ngrams),  # type: ignore[arg-type]
        min_df=cfg.min_df,
        word_max_features=cfg.word_max_features,
        char_max_features=cfg.char_max_features,
    )


def fit_linear(
    texts: list[str], targets: np.ndarray, cfg: LinearConfig, sample_weight: np.ndarray | None = None
) -> dict[str, Any]:
    """Fit the features and one binary logistic head per column of ``targets`` (NaN = unlabelled row).

    Returns the model dict ``{"features", "coef", "intercept"}``. A head whose labelled rows hold one
    class only gets a constant intercept (its base rate).
    """
    from sklearn.linear_model import LogisticRegression

    features = build_features(cfg, texts)
    x = features.transform(texts)
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
        clf.fit(x[known], y, sample_weight=None if sample_weight is None else sample_weight[known])
        coef[:, j] = clf.coef_[0]
        intercept[j] = clf.intercept_[0]
    return {"features": features, "coef": coef, "intercept": intercept}


def save_linear(model: dict[str, Any], folder: Path) -> list[str]:
    """Write ``model.npz`` (feature vocabularies, IDF, weights) into ``folder``; returns the file list."""
    folder.mkdir(parents=True, exist_ok=True)
    features: NgramTfidf = model["features"]
    arrays = features.to_arrays() | {
        "coef": np.asarray(model["coef"], dtype=np.float32),
        "intercept": np.asarray(model["intercept"], dtype=np.float32),
        "format": np.asarray(FORMAT),
    }
    with (folder / "model.npz").open("wb") as fh:
        np.savez_compressed(fh, **arrays)  # type: ignore[arg-type]
    return ["model.npz"]


def load_linear(folder: Path) -> dict[str, Any]:
    """Load the model in ``folder``: ``model.npz``, or a 0.1.0 ``model.skops`` (no untrusted types).

    Returns ``{"features", "coef", "intercept"}``; ``features`` has ``transform(texts)``.
    Raises ``ValueError``/``OSError`` on a corrupt or missing file.
    """
    path = folder / "model.npz"
    if path.is_file():
        with np.load(path, allow_pickle=False) as z:
            if str(z["format"]) != FORMAT:
                raise ValueError(f"unknown linear model format {str(z['format'])!r}")
            features = NgramTfidf.from_arrays(z)
            coef = np.asarray(z["coef"], dtype=np.float32)
            intercept = np.asarray(z["intercept"], dtype=np.float32)
        if coef.shape != (features.n_features, len(intercept)):
            raise ValueError(f"weights of shape {coef.shape} do not match {features.n_features} features")
        return {"features": features, "coef": coef, "intercept": intercept}
    return _load_skops(folder / "model.skops")


def _load_skops(path: Path) -> dict[str, Any]:
    import skops.io as sio

    obj = sio.load(path, trusted=[])
    for name, vec in obj["features"].transformer_list:
        terms = obj.get("vocab", {}).get(name)
        if terms is not None:
            vec.vocabulary_ = {t: i for i, t in enumerate(terms.tolist())}
    return dict(obj)


def linear_scores(model: dict[str, Any], texts: list[str]) -> np.ndarray:
    """Raw head logits ``(n, n_heads)``."""
    features = model["features"]
    if isinstance(features, NgramTfidf):
        raw = features.linear(texts, model["coef"])
    else:  # 0.1.0 scikit-learn pipeline
        raw = np.asarray(features.transform(texts) @ model["coef"])
    return raw + model["intercept"]


def predict_linear(model: dict[str, Any], texts: list[str]) -> np.ndarray:
    """Head probabilities ``(n, n_heads)``; same maths as the detector's scorer."""
    from modops.detectors.toxicity import sigmoid

    return sigmoid(linear_scores(model, texts))
