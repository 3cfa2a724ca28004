"""Pattern database: validation on load, versioning, user overrides, reload without restart."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from modops.errors import DataError, NotFoundError
from modops.normalize import Normalizer, load_db
from modops.normalize.db import MANIFEST, load_pattern_file


def _write(path: Path, entries: list[dict], **extra: object) -> Path:
    path.write_text(json.dumps({"entries": entries, **extra}), encoding="utf-8")
    return path


def _entry(**kw: object) -> dict:
    base = {
        "id": "x-test",
        "canonical": "canonical",
        "variants": [],
        "category": "other",
        "severity": 1,
        "harmful": True,
        "source": "test",
    }
    base.update(kw)
    return base


def test_shipped_db_is_valid_and_versioned() -> None:
    db = load_db()
    manifest = json.loads(MANIFEST.read_text())
    assert re.fullmatch(r"\d+\.\d+\.\d+", db.version)
    assert db.version == manifest["version"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", db.date)
    assert len(db.entries) > 400
    ids = [e.id for e in db.entries]
    assert len(ids) == len(set(ids))
    for e in db.entries:
        assert e.source and e.category and 0 <= e.severity <= 4
    # the TikTok lexicon has no licence: nothing may cite it as a source
    assert not any("tiktok" in e.source.lower() for e in db.entries)


def test_every_shipped_file_validates() -> None:
    for name in json.loads(MANIFEST.read_text())["files"]:
        pf = load_pattern_file(MANIFEST.parent / name)
        assert pf.version and pf.date


def test_each_variant_maps_to_its_canonical() -> None:
    norm = Normalizer()
    by_id = {e.id: e for e in norm.entries}
    checked = 0
    for e in by_id.values():
        for v in e.variants:
            if e.id.startswith("emoji:duck"):
                continue
            nt = norm.normalize(v)
            if any(s.kind == "safe_context" for s in nt.substitutions):
                continue
            assert e.canonical.lower() in nt.normalized.lower() or any(
                s.pattern_id == e.id for s in nt.substitutions
            ), (e.id, v, nt.normalized)
            # and canonical forms are stable (no chains)
            assert norm.normalize(nt.normalized).normalized == nt.normalized
            checked += 1
    assert checked > 150


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"entries": [_entry(id="Bad Id")]}, "id"),
        ({"entries": [_entry(category="nonsense")]}, "category"),
        ({"entries": [_entry(severity=9)]}, "severity"),
        ({"entries": [_entry(unknown_field=1)]}, "unknown_field"),
        ({"entries": [_entry(), _entry()]}, "duplicate id"),
        ({"entries": [_entry()], "version": "one"}, "semver"),
        ({"entries": [_entry()], "date": "22/11/2026"}, "YYYY-MM-DD"),
        ({"no_entries": []}, "entries"),
        ([1, 2], "expected an object"),
    ],
)
def test_invalid_files_are_rejected(tmp_path: Path, payload: object, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    with pytest.raises(DataError, match=message):
        Normalizer(path)


def test_malformed_json_yaml_and_encoding(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(DataError, match="malformed JSON"):
        Normalizer(tmp_path / "a.json")
    (tmp_path / "b.yaml").write_text("entries: [unclosed", encoding="utf-8")
    with pytest.raises(DataError, match="malformed YAML"):
        Normalizer(tmp_path / "b.yaml")
    (tmp_path / "c.json").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(DataError, match="UTF-8"):
        Normalizer(tmp_path / "c.json")
    with pytest.raises(NotFoundError):
        Normalizer(tmp_path / "missing.json")


def test_user_file_extends_and_overrides(tmp_path: Path) -> None:
    base = Normalizer()
    assert base.normalize("zorbl").normalized == "zorbl"
    assert base.normalize("unalive").normalized == "kill"
    _write(
        tmp_path / "mine.json",
        [
            _entry(id="zorbl", canonical="scam", variants=["zorbl", "z0rbl phrase"], category="other"),
            # override the shipped "kill" entry by id
            _entry(id="kill", canonical="harm", variants=["unalive"], category="violence", severity=3),
        ],
    )
    norm = Normalizer(tmp_path)
    assert norm.version.startswith(base.version + "+local.")
    assert norm.normalize("zorbl").normalized == "scam"
    assert norm.normalize("unalive").normalized == "harm"
    sub = norm.normalize("zorbl").substitutions[0]
    assert sub.pattern_id == "zorbl" and sub.db_version == norm.version


def test_yaml_user_file(tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text(
        "version: 0.1.0\ndate: 2026-01-01\nentries:\n"
        "  - {id: blorp, canonical: fraud, variants: [blorp], category: other, severity: 1,"
        " harmful: true, source: me}\n",
        encoding="utf-8",
    )
    assert Normalizer(tmp_path / "mine.yaml").normalize("a blorp!").normalized == "a fraud!"


def test_reload_picks_up_changes(tmp_path: Path) -> None:
    path = _write(tmp_path / "mine.json", [_entry(id="blorp", canonical="fraud", variants=["blorp"])])
    norm = Normalizer(path)
    v1 = norm.version
    assert norm.normalize("blorp").normalized == "fraud"
    assert norm.reload_if_changed() is False
    _write(path, [_entry(id="blorp", canonical="scam", variants=["blorp", "glorp"])])
    os.utime(path, (1_000_000_000, 1_000_000_000))
    assert norm.reload_if_changed() is True
    assert norm.version != v1
    assert norm.normalize("glorp blorp").normalized == "scam scam"
    # a broken edit keeps the previous snapshot
    path.write_text("{", encoding="utf-8")
    with pytest.raises(DataError):
        norm.reload()
    assert norm.normalize("glorp").normalized == "scam"


def test_settings_patterns_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from modops.config import reset_settings
    from modops.normalize import get_normalizer, normalize, reset_normalizer

    _write(tmp_path / "mine.json", [_entry(id="blorp", canonical="fraud", variants=["blorp"])])
    monkeypatch.setenv("MODOPS_PATTERNS_DIR", str(tmp_path))
    reset_settings()
    reset_normalizer()
    try:
        assert "+local." in get_normalizer().version
        assert normalize("blorp").normalized == "fraud"
    finally:
        monkeypatch.delenv("MODOPS_PATTERNS_DIR")
        reset_settings()
        reset_normalizer()
    assert "+local." not in get_normalizer().version
