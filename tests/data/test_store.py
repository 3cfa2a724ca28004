"""Content addressing, immutability, atomic writes, manifest and card."""

from __future__ import annotations

import json
import stat

import pandas as pd
import pytest

from modops.config import get_settings
from modops.data import store as store_mod
from modops.data.store import DatasetStore, DatasetVersion, get_store
from modops.errors import DataError, InputError, NotFoundError

from .conftest import leftovers

SOURCES = [{"name": "unit", "path": "/tmp/unit.csv", "license": "MIT"}]


def test_get_store_uses_settings() -> None:
    assert get_store().root == get_settings().datasets_dir


def test_same_content_same_id_and_no_error(small_frame: pd.DataFrame) -> None:
    store = get_store()
    v1 = store.create(small_frame, "unit", sources=SOURCES, description="first")
    v2 = store.create(small_frame.copy(), "unit", description="ignored: already exists")
    assert isinstance(v1, DatasetVersion) and v1 == v2 and v1.id == v2.id
    assert v1.id.startswith("unit-") and len(v1.id) == len("unit-") + 12
    assert v2.manifest["description"] == "first"
    assert [v.id for v in store.list()] == [v1.id]


def test_different_content_or_name_different_id(small_frame: pd.DataFrame) -> None:
    store = get_store()
    base = store.create(small_frame, "unit", run_qc=False)
    changed = small_frame.copy()
    changed.loc[0, "text"] = changed.loc[0, "text"] + "!"
    ids = {
        base.id,
        store.create(changed, "unit", run_qc=False).id,
        store.create(small_frame, "other", run_qc=False).id,
        store.create(
            small_frame.assign(label=small_frame["label"].map({"toxic": 1, "ok": 0})), "unit", run_qc=False
        ).id,
    }
    assert len(ids) == 4
    assert store.create(small_frame, "other", run_qc=False).id.split("-")[1] == base.id.split("-")[1]


def test_version_folder_manifest_and_card(small_frame: pd.DataFrame) -> None:
    df = small_frame.assign(
        score=[i / 60 for i in range(60)], split=["train"] * 42 + ["val"] * 9 + ["test"] * 9
    )
    v = get_store().create(
        df,
        "unit",
        sources=SOURCES,
        generator={"config": {"templates": 3}, "seed": 7},
        description="Unit data.",
    )
    assert sorted(p.name for p in v.path.iterdir()) == ["card.md", "data.parquet", "manifest.json", "qc.json"]
    m = v.manifest
    assert m["id"] == v.id and m["name"] == "unit" and m["rows"] == 60
    assert m["columns"][:5] == ["text", "label", "score", "split", "group"]
    assert m["schema"]["text"] == "string" and m["schema"]["score"] == "double"
    assert m["counts"]["split"] == {"train": 42, "validation": 9, "test": 9}  # "val" normalised
    assert m["counts"]["label"] == {"ok": 40, "toxic": 20}
    assert m["generator"] == {"config": {"templates": 3}, "seed": 7} and m["seed"] == 7
    assert m["sources"] == SOURCES and m["parent"] is None
    assert len(m["files"]["data.parquet"]["sha256"]) == 64
    card = v.card_path.read_text()
    for fragment in (
        "Unit data.",
        "| unit | `/tmp/unit.csv` | MIT |",
        "| score | double |",
        "| validation | 9 |",
        "## Quality control",
        "QC PASSED",
        "Leakage: groups",
    ):
        assert fragment in card
    qc = json.loads(v.qc_path.read_text())
    assert qc["dataset"] == v.id and qc["passed"] is True
    v.verify()


def test_files_are_read_only_and_tampering_is_detected(small_frame: pd.DataFrame) -> None:
    v = get_store().create(small_frame, "unit", run_qc=False)
    for name in ("data.parquet", "manifest.json"):
        assert not (v.path / name).stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    (v.path / "data.parquet").chmod(0o644)
    (v.path / "data.parquet").write_bytes(b"tampered")
    with pytest.raises(DataError, match="does not match its sha256"):
        v.verify()


def test_frame_by_split_and_columns(small_frame: pd.DataFrame) -> None:
    df = small_frame.assign(split=["train"] * 50 + ["test"] * 10)
    v = get_store().create(df, "unit", run_qc=False)
    pd.testing.assert_frame_equal(v.frame()[["text", "label"]], small_frame[["text", "label"]])
    assert len(v.frame("test")) == 10 and len(v.frame("validation")) == 0
    assert v.frame("train", columns=["text"]).columns.tolist() == ["text"]
    with pytest.raises(InputError, match="unknown split"):
        v.frame("holdout")
    nosplit = get_store().create(small_frame, "unit2", run_qc=False)
    with pytest.raises(DataError, match="no split column"):
        nosplit.frame("train")


def test_get_by_id_or_name_and_unknown() -> None:
    store = get_store()
    a = store.create(pd.DataFrame({"text": ["a", "b"]}), "n", run_qc=False)
    assert store.get(a.id) == a and store.get("n") == a
    with pytest.raises(NotFoundError) as info:
        store.get("n-123456789abc")
    assert "unknown dataset version 'n-123456789abc'" in str(info.value)
    assert "modops data list" in str(info.value)


def test_failure_mid_write_leaves_nothing(small_frame: pd.DataFrame, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object, **kwargs: object) -> str:
        raise RuntimeError("disk full")

    monkeypatch.setattr(store_mod, "render_card", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        get_store().create(small_frame, "unit")
    assert leftovers() == []


@pytest.mark.parametrize(
    ("kwargs", "frame", "exc", "fragment"),
    [
        ({"name": "bad name"}, None, InputError, "bad dataset name"),
        ({"name": "../evil"}, None, InputError, "bad dataset name"),
        ({"text_col": "body"}, None, DataError, "missing column 'body'"),
        ({"label_col": "class"}, None, DataError, "missing column 'class'"),
        ({}, pd.DataFrame({"text": []}), DataError, "no rows"),
        ({}, pd.DataFrame({"text": ["a", 3]}), DataError, "must hold strings"),
        ({}, pd.DataFrame({"text": ["a"], "score": [-0.1]}), DataError, "'score' must be in [0, 1]"),
        ({}, pd.DataFrame({"text": ["a"], "split": ["holdout"]}), DataError, "'split' must be"),
        ({"parent": "nope-000000000000"}, None, NotFoundError, "unknown parent"),
        ({"sources": [{"name": "x"}]}, None, InputError, "lacks path, license"),
    ],
)
def test_create_rejects_bad_input(small_frame, kwargs, frame, exc, fragment) -> None:
    args = {"name": "unit"} | kwargs
    name = args.pop("name")
    with pytest.raises(exc, match=None) as info:
        get_store().create(small_frame if frame is None else frame, name, **args)
    assert fragment in str(info.value)
    assert leftovers() == []


def test_column_mapping_and_tabular(small_frame: pd.DataFrame) -> None:
    df = small_frame.rename(columns={"text": "body", "label": "y", "group": "author"})
    v = get_store().create(df, "mapped", text_col="body", label_col="y", group_col="author", run_qc=False)
    assert v.manifest["columns"][:3] == ["text", "label", "group"]
    tab = get_store().create(
        pd.DataFrame({"f1": [1.0, 2.0], "label": ["bot", "human"]}), "tab", text_col=None
    )
    assert tab.qc() is not None and tab.qc().check("empty").status == "skip"


def test_stale_temp_folders_are_ignored_and_cleaned(small_frame: pd.DataFrame) -> None:
    root = get_settings().datasets_dir
    stale = root / ".tmp-unit-000000000000-deadbeef"
    stale.mkdir(parents=True)
    import os

    os.utime(stale, (0, 0))
    assert DatasetStore(root).list() == []
    get_store().create(small_frame, "unit", run_qc=False)
    assert not stale.exists()
