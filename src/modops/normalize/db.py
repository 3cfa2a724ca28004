"""The pattern database: versioned JSON/YAML files, validated on load.

A database is a set of files, each ``{"version": "x.y.z", "date": "YYYY-MM-DD", "entries": [...]}``
(``version``/``date`` optional in user files). The shipped files live in ``data/`` and are
listed by ``data/manifest.json``, which carries the database version. Extra files or
folders (``settings.patterns_dir`` or the ``Normalizer`` constructor) extend the shipped
entries or override them by ``id``; the version then gets a ``+local.<hash>`` suffix so a
model bundle records exactly which patterns it was trained with.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from modops.errors import DataError, NotFoundError

DATA_DIR = Path(__file__).with_name("data")
MANIFEST = DATA_DIR / "manifest.json"

Category = Literal[
    "violence",
    "self_harm",
    "sexual",
    "sexual_minors",
    "profanity",
    "insult",
    "hate",
    "identity",
    "drugs",
    "weapons",
    "sensitive",
    "political",
    "platform",
    "other",
]
_SEMVER = re.compile(r"^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.\-+]+)?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class PatternEntry(BaseModel):
    """One meaning and the ways people write it.

    ``variants`` are matched literally (case-insensitive, on word boundaries) after the
    obfuscation decoder ran, and replaced by ``canonical``. ``forms`` are plain spellings
    (inflections) that the decoder recognises under leetspeak, separators, censoring and
    stretching but leaves as they are. ``safe_contexts`` are phrases in which the entry must
    not produce a harmful substitution; they are recorded as ``safe_context`` hits.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, max_length=80, pattern=r"^[a-z0-9][a-z0-9_.:\-]*$")
    canonical: str = Field(min_length=1, max_length=80)
    variants: tuple[str, ...] = ()
    forms: tuple[str, ...] = ()
    category: Category
    severity: int = Field(ge=0, le=4, description="severity hint, 0 (none) .. 4 (extreme)")
    harmful: bool
    safe_contexts: tuple[str, ...] = ()
    source: str = Field(min_length=1)
    notes: str = ""

    @field_validator("variants", "forms", "safe_contexts")
    @classmethod
    def _clean(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        out: list[str] = []
        for v in values:
            v2 = " ".join(v.split()).lower()
            if not v2:
                raise ValueError("empty string in list")
            if len(v2) > 80:
                raise ValueError(f"{v2[:20]!r}... longer than 80 characters")
            if v2 not in out:
                out.append(v2)
        return tuple(out)

    @field_validator("canonical")
    @classmethod
    def _canon(cls, value: str) -> str:
        return " ".join(value.split())


class PatternFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str | None = None
    date: str | None = None
    description: str = ""
    entries: list[PatternEntry]

    @field_validator("version")
    @classmethod
    def _semver(cls, v: str | None) -> str | None:
        if v is not None and not _SEMVER.match(v):
            raise ValueError(f"version {v!r} is not semver (x.y.z)")
        return v

    @field_validator("date", mode="before")
    @classmethod
    def _date(cls, v: Any) -> str | None:
        if hasattr(v, "isoformat"):  # YAML reads an unquoted date as a date
            v = v.isoformat()
        if v is not None and not _DATE.match(str(v)):
            raise ValueError(f"date {v!r} is not YYYY-MM-DD")
        return v


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    version: str
    date: str
    files: list[str]
    description: str = ""

    @field_validator("version")
    @classmethod
    def _semver(cls, v: str) -> str:
        if not _SEMVER.match(v):
            raise ValueError(f"version {v!r} is not semver (x.y.z)")
        return v

    @field_validator("date")
    @classmethod
    def _date(cls, v: str) -> str:
        if not _DATE.match(v):
            raise ValueError(f"date {v!r} is not YYYY-MM-DD")
        return v


@dataclass(frozen=True)
class PatternDB:
    """Validated entries (shipped, then user overrides) plus version metadata."""

    name: str
    version: str
    date: str
    entries: tuple[PatternEntry, ...]
    files: tuple[str, ...]

    def by_id(self) -> dict[str, PatternEntry]:
        return {e.id: e for e in self.entries}


def _read_structured(path: Path) -> Any:
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise DataError(f"cannot read pattern file {path}: {err.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise DataError(f"pattern file {path} is not valid UTF-8") from None
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as err:
            raise DataError(f"pattern file {path}: malformed YAML ({str(err).splitlines()[0]})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise DataError(f"pattern file {path}: malformed JSON ({err.msg}, line {err.lineno})") from None


def _first_error(err: ValidationError) -> str:
    e = err.errors()[0]
    loc = ".".join(str(p) for p in e["loc"])
    return f"{loc}: {e['msg']}"


def load_pattern_file(path: Path) -> PatternFile:
    """Read and validate one pattern file (JSON or YAML)."""
    data = _read_structured(path)
    if not isinstance(data, dict):
        raise DataError(f"pattern file {path}: expected an object with 'entries'")
    try:
        pf = PatternFile.model_validate(data)
    except ValidationError as err:
        raise DataError(f"pattern file {path}: {_first_error(err)}") from None
    seen: set[str] = set()
    for e in pf.entries:
        if e.id in seen:
            raise DataError(f"pattern file {path}: duplicate id {e.id!r}")
        seen.add(e.id)
    return pf


def _expand(paths: Iterable[Path | str]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        path = Path(p).expanduser()
        if path.is_dir():
            out.extend(sorted(q for q in path.iterdir() if q.suffix.lower() in (".json", ".yaml", ".yml")))
        elif path.is_file():
            out.append(path)
        else:
            raise NotFoundError(f"pattern path not found: {path}")
    return out


def load_db(extra: Sequence[Path | str] = ()) -> PatternDB:
    """Load the shipped database, then apply extra files/folders (later ones win by id)."""
    data = _read_structured(MANIFEST)
    try:
        manifest = Manifest.model_validate(data)
    except ValidationError as err:
        raise DataError(f"pattern manifest {MANIFEST}: {_first_error(err)}") from None
    entries: dict[str, PatternEntry] = {}
    for name in manifest.files:
        for e in load_pattern_file(DATA_DIR / name).entries:
            if e.id in entries:
                raise DataError(f"shipped pattern id {e.id!r} defined twice")
            entries[e.id] = e
    version = manifest.version
    files = list(manifest.files)
    extra_paths = _expand(extra)
    if extra_paths:
        digest = hashlib.sha256()
        for path in extra_paths:
            digest.update(path.read_bytes())
            for e in load_pattern_file(path).entries:
                entries[e.id] = e  # override or extend by id
            files.append(str(path))
        version = f"{version}+local.{digest.hexdigest()[:8]}"
    return PatternDB(manifest.name, version, manifest.date, tuple(entries.values()), tuple(files))


def extra_files_signature(extra: Sequence[Path | str]) -> tuple[tuple[str, float, int], ...]:
    """(path, mtime, size) of every extra pattern file: cheap change detection for reload."""
    sig: list[tuple[str, float, int]] = []
    for path in _expand(extra):
        st = path.stat()
        sig.append((str(path), st.st_mtime, st.st_size))
    return tuple(sig)
