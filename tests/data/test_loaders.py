"""Every ready-made loader on the real shared data (skipped when absent), and loader errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from modops.data.loaders import LOADER_NAMES, LOADERS, import_dataset, load
from modops.data.store import get_store
from modops.errors import DataError, NotFoundError
from tests.conftest import DATA_DIR

from .conftest import leftovers

# rows after loading, standard columns, and labels (None: no label column)
EXPECTED: dict[str, tuple[int, set[str], set[str] | None]] = {
    "davidson": (24_783, {"text", "label", "score", "source"}, {"hate", "offensive", "neither"}),
    "ruddit": (5_658, {"text", "label", "score", "group", "source"}, {"offensive", "not_offensive"}),
    "hatemoji": (5_912, {"text", "label", "split", "group", "source"}, {"hate", "not_hate"}),
    "surge_profanity": (1_598, {"text", "label", "score", "source"}, None),
    "dsojevic_profanity": (441, {"text", "label", "score", "source"}, None),
    "algospeak_tiktok": (550, {"text", "label", "source"}, None),
    "sms_spam": (5_574, {"text", "label", "source"}, {"ham", "spam"}),
    "twitter_bots": (3_431, {"label", "group", "source"}, {"bot", "human"}),
    "harmbench": (400, {"text", "label", "source"}, {"unsafe"}),
    "advbench": (520, {"text", "label", "source"}, {"unsafe"}),
    "blog_authorship": (2_743, {"text", "group", "source"}, None),
}


def test_every_shared_set_has_a_loader() -> None:
    assert set(EXPECTED) == set(LOADER_NAMES)


def _require(name: str) -> None:
    for rel in LOADERS[name].files:
        if not (DATA_DIR / rel).is_file():
            pytest.skip(f"dataset file {rel} not found under {DATA_DIR}")


@pytest.mark.data
@pytest.mark.parametrize("name", LOADER_NAMES)
def test_loader_on_real_data(name: str) -> None:
    _require(name)
    loaded = load(name)
    rows, columns, labels = EXPECTED[name]
    df = loaded.frame
    assert len(df) == rows
    assert columns <= set(df.columns)
    if "text" in columns:
        assert df["text"].map(lambda t: isinstance(t, str)).all()
    if labels is not None:
        assert set(df["label"]) == labels
    if "score" in df.columns:
        assert df["score"].between(0, 1).all()
    (source,) = loaded.sources
    assert source["license"] == LOADERS[name].license and str(DATA_DIR) in source["path"]
    assert (df["source"] == name).all()


@pytest.mark.data
def test_loader_specifics() -> None:
    _require("davidson")
    d = load("davidson").frame
    assert {"votes", "votes_hate", "votes_offensive", "votes_neither", "hate_score", "class"} <= set(
        d.columns
    )
    assert ((d["label"] == "neither") == (d["class"] == 2)).all()
    _require("hatemoji")
    h = load("hatemoji").frame
    assert h["split"].value_counts().to_dict() == {"train": 4728, "validation": 591, "test": 593}
    assert {"type", "target", "matched_text"} <= set(h.columns) and not h["target"].str.startswith("[").any()
    _require("ruddit")
    r = load("ruddit")
    assert r.sources[0]["rows_dropped"] == 342 and not r.frame["text"].isin(["[deleted]", "[removed]"]).any()
    _require("algospeak_tiktok")
    a = load("algospeak_tiktok").sources[0]
    assert a["license"] == "unknown" and "evaluation" in a["usage"]
    _require("blog_authorship")
    b = load("blog_authorship").frame
    assert b["group"].nunique() == 974


@pytest.mark.data
@pytest.mark.parametrize("name", ["sms_spam", "twitter_bots"])
def test_import_real_set_into_store(name: str) -> None:
    _require(name)
    v = import_dataset(name)
    assert v.id.startswith(f"{name}-") and v.rows == EXPECTED[name][0]
    assert import_dataset(name).id == v.id  # content-addressed: same data, same version
    assert v.manifest["sources"][0]["license"] == LOADERS[name].license
    assert v.qc() is not None


def _copy_set(tmp_path: Path, name: str) -> Path:
    root = tmp_path / "datasets"
    for rel in LOADERS[name].files:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(DATA_DIR / rel, root / rel)
    return root


def test_missing_file_is_not_found(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(NotFoundError, match=r"dataset file not found: .*labeled_data\.csv"):
        load("davidson", tmp_path / "empty")
    with pytest.raises(NotFoundError, match="unknown dataset loader"):
        load("jigsaw")


@pytest.mark.data
def test_malformed_file_is_a_clear_error(tmp_path: Path) -> None:
    _require("sms_spam")
    root = _copy_set(tmp_path, "sms_spam")
    path = root / LOADERS["sms_spam"].files[0]
    path.write_text("label,body\nham,hello\n", encoding="utf-8")
    with pytest.raises(DataError, match="missing column 'text'"):
        load("sms_spam", root)
    path.write_text("label,text\nham,hello\nmaybe,hi\n", encoding="utf-8")
    with pytest.raises(DataError, match="unexpected value 'maybe'"):
        load("sms_spam", root)
    pd.DataFrame({"label": ["ham"], "text": ["x"]}).to_csv(path, index=False)
    assert len(load("sms_spam", root).frame) == 1


def test_cli_loader_with_missing_data_dir(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from modops.config import reset_settings

    monkeypatch.setenv("MODOPS_DATA_DIR", str(tmp_path / "nowhere"))
    reset_settings()
    code, _, err = cli("data", "import", "davidson")
    assert code == 2 and err.startswith("error: datasets folder not found") and err.count("\n") == 1
    assert leftovers() == []
    assert get_store().list() == []
