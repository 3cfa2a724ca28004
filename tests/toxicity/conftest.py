"""Fixtures for the toxicity tests: a tiny stored dataset and a tiny trained linear bundle."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

TOXIC = [
    "you are a stupid idiot",
    "shut up you worthless bitch",
    "I hate you, you disgusting pig",
    "fuck off and die",
    "you are trash and everyone hates you",
    "go kill yourself loser",
]
SAFE = [
    "have a lovely day",
    "thanks for the help with my homework",
    "the weather is nice in spring",
    "I made pancakes for breakfast",
    "our team shipped the release today",
    "see you at the concert tonight",
]

_FILLER = np.array(
    [
        "apple",
        "river",
        "stone",
        "cloud",
        "lamp",
        "paper",
        "garden",
        "window",
        "pencil",
        "mountain",
        "coffee",
        "tiger",
        "violin",
        "candle",
        "bridge",
        "ocean",
        "planet",
        "rocket",
        "forest",
        "bottle",
        "jacket",
        "orange",
        "silver",
        "button",
        "ladder",
        "marble",
        "pillow",
        "basket",
        "helmet",
        "island",
    ]
)


def tiny_frame(n: int = 300, seed: int = 0) -> pd.DataFrame:
    """A synthetic toxicity frame with the stored schema (groups, splits, harm, identity_attack)."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        toxic = i % 2 == 0
        base = (TOXIC if toxic else SAFE)[int(rng.integers(0, 6))]
        filler = " ".join(rng.choice(_FILLER, 4, replace=False))
        text = f"{base} {filler}"  # distinct enough that texts are not near-duplicates
        harm = float(rng.choice([0.6, 0.9, 0.35])) if toxic else float(rng.choice([0.0, 0.05]))
        rows.append(
            {
                "text": text,
                "harm": harm,
                "identity_attack": float(harm >= 0.9) if i % 3 else np.nan,
                "source": "synthetic",
                "source_id": f"s:{i}",
                "variant": "original",
                "pair": f"g{i // 2}",
            }
        )
    df = pd.DataFrame(rows)
    from modops.data.toxicity import SEVERITY_ORDER, _merge_groups, severity_of, split_toxicity

    df["group"] = _merge_groups(df)  # pairs + near-duplicates, as the real builder does
    df = df.drop(columns="pair")

    df["severity"] = [SEVERITY_ORDER[k] for k in severity_of(df["harm"].to_numpy())]
    return split_toxicity(df, seed=seed)


@pytest.fixture
def tiny_dataset() -> str:
    """A tiny toxicity dataset version in the (per-test) store; returns its id."""
    from modops.data.store import get_store

    df = tiny_frame().rename(columns={"harm": "score"})
    version = get_store().create(df, "toxicity", label_col="severity", group_col="group", run_qc=False)
    return version.id


@pytest.fixture
def tiny_linear_bundle(tiny_dataset: str, tmp_path: Path) -> Path:
    from modops.training.toxicity import TrainOptions, train

    res = train(
        TrainOptions(
            model="linear", dataset=tiny_dataset, out_dir=tmp_path / "bundle", register=True, n_boot=20
        )
    )
    return res.bundle_dir
