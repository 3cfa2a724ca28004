"""A tiny real text detector for registry tests only: flags words from a keyword list.

Its bundle is a real modops bundle (``detector.json`` + ``keywords.txt``), so the registry,
the pyfunc wrapper and the loader run exactly as they do for the shipped detectors.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from modops import core
from modops.core import DetectorSpec, Finding, register_detector
from modops.detectors.bundle import BundleMeta, read_bundle, write_bundle

NAME = "kwtest"


class KeywordDetector:
    """Flags whole-word, case-insensitive matches of its keywords (score 1.0)."""

    labels = ("keyword",)

    def __init__(self, keywords: Sequence[str], version: str) -> None:
        self.name = NAME
        self.version = version
        words = sorted({k.strip().lower() for k in keywords if k.strip()}, key=len, reverse=True)
        self._pattern = re.compile(r"\b(" + "|".join(map(re.escape, words)) + r")\b", re.IGNORECASE)

    def analyze(self, batch: Sequence[Any]) -> list[list[Finding]]:
        out: list[list[Finding]] = []
        for item in batch:
            text = item if isinstance(item, str) else item.original
            out.append(
                [
                    Finding(NAME, "keyword", 1.0, m.start(), m.end(), {"keyword": m.group(0).lower()})
                    for m in self._pattern.finditer(text)
                ]
            )
        return out


def from_bundle(source: Path | None) -> KeywordDetector:
    if source is None:
        raise ValueError("kwtest has no shipped default")
    meta = read_bundle(source)
    words = (Path(source) / "keywords.txt").read_text(encoding="utf-8").splitlines()
    return KeywordDetector(words, meta.version)


def register() -> None:
    if NAME not in core._DETECTORS:
        register_detector(
            DetectorSpec(name=NAME, kind="text", factory=from_bundle, description="test keywords")
        )


def write_kw_bundle(
    folder: Path,
    keywords: Sequence[str] = ("scam", "idiot"),
    version: str = "kw-1",
    dataset_version: str = "ds-test",
) -> Path:
    """Write a complete kwtest bundle into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "keywords.txt").write_text("\n".join(keywords) + "\n", encoding="utf-8")
    (folder / "MODEL_CARD.md").write_text(
        f"# kwtest {version}\n\nKeyword list for tests.\n", encoding="utf-8"
    )
    meta = BundleMeta(
        detector=NAME,
        version=version,
        family="keywords",
        labels=["keyword"],
        label_map={"keyword": 0},
        normalizer_version=None,
        thresholds={"keyword": 0.5},
        training_config={"keywords": len(keywords), "case": "insensitive"},
        dataset_version=dataset_version,
        files=["keywords.txt"],
        metrics={"f1": 0.9, "n": len(keywords), "note": "toy"},
    )
    return write_bundle(folder, meta)


def pretend_shipped_default(monkeypatch: pytest.MonkeyPatch, bundle: Path) -> None:
    """Make ``default_bundle_path("kwtest")`` return ``bundle``: the package ships no test detector,
    and writing into the installed package from a test is not an option."""
    import modops.detectors.bundle as bundle_mod

    real = bundle_mod.default_bundle_path
    monkeypatch.setattr(bundle_mod, "default_bundle_path", lambda d: bundle if d == NAME else real(d))
