"""Helpers for the dataset-store tests: small frames, CLI runner, leftover-version check."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from modops.cli import main
from modops.config import get_settings


def leftovers() -> list[str]:
    """Everything in the datasets folder (versions and hidden temp folders)."""
    root = get_settings().datasets_dir
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


def random_texts(n: int, seed: int = 0, words: int = 8) -> list[str]:
    """``n`` texts of random pseudo-words: no two are near-duplicates."""
    rng = np.random.default_rng(seed)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    return [
        " ".join("".join(rng.choice(letters, size=int(rng.integers(3, 9)))) for _ in range(words))
        for _ in range(n)
    ]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """Run ``modops <args>`` in-process; returns (exit code, stdout, stderr)."""

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def small_frame() -> pd.DataFrame:
    """60 distinct, dissimilar texts, two labels (2:1), groups of 3."""
    texts = random_texts(60, seed=1)
    return pd.DataFrame(
        {
            "text": texts,
            "label": ["toxic" if i % 3 == 0 else "ok" for i in range(60)],
            "group": [f"g{i // 3}" for i in range(60)],
        }
    )


@pytest.fixture
def files(tmp_path: Path) -> Path:
    """A folder for input files."""
    d = tmp_path / "inputs"
    d.mkdir()
    return d
