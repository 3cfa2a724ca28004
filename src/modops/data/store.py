"""Content-addressed, immutable dataset versions under ``$MODOPS_HOME/datasets``.

A version is a folder ``<name>-<sha12>/`` holding:

- ``data.parquet``: the rows, with standard column names (``text``, ``label``, optional
  ``score`` in [0, 1], ``split`` in train/validation/test, ``group``, ``source``; others kept);
- ``manifest.json``: id, name, created_at, rows, schema, counts per split and label, sha256 of
  each data file, generator config and seed, sources and licences, parent version;
- ``card.md``: a human-readable card (description, sources, schema, splits, balance, QC);
- ``qc.json``: the latest QC report (see :mod:`modops.data.qc`).

``sha12`` is the first 12 hex digits of a sha256 over the canonical table content (column
names, Arrow types and values; not the Parquet bytes, which vary with library versions), so
the same data under the same name always gets the same id and creating it again returns the
existing version. ``data.parquet`` and ``manifest.json`` are written once and made read-only;
``card.md`` and ``qc.json`` are derived from them and may be rewritten by ``modops data check``
(they are not part of the content hash). A version is written into a hidden temp folder and
renamed into place, so a failure never leaves a partial version behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modops.errors import DataError, InputError, NotFoundError

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from modops.data.qc import QCReport

FORMAT = "modops-dataset/1"
DATA_FILE = "data.parquet"
MANIFEST_FILE = "manifest.json"
CARD_FILE = "card.md"
QC_FILE = "qc.json"
STANDARD_COLUMNS = ("text", "label", "score", "split", "group", "source")
SPLIT_ALIASES = {
    "train": "train",
    "training": "train",
    "validation": "validation",
    "valid": "validation",
    "val": "validation",
    "dev": "validation",
    "test": "test",
    "testing": "test",
}
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")
_STALE_TMP_S = 3600
_MAX_LABEL_COUNTS = 100


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _write_text_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _make_read_only(path: Path) -> None:
    path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)


class DatasetVersion:
    """One immutable dataset version (a folder in the store).

    Attributes: ``id`` (``<name>-<sha12>``), ``path`` (the folder), ``manifest`` (dict),
    ``card_path``, ``data_path``, ``qc_path``; ``frame(split=None)`` loads the rows.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.id = self.path.name
        self._manifest: dict[str, Any] | None = None

    def __repr__(self) -> str:
        return f"DatasetVersion({self.id!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DatasetVersion) and other.path == self.path

    def __hash__(self) -> int:
        return hash(self.path)

    @property
    def manifest(self) -> dict[str, Any]:
        """The parsed ``manifest.json``."""
        if self._manifest is None:
            try:
                self._manifest = json.loads((self.path / MANIFEST_FILE).read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as err:
                raise DataError(f"dataset version {self.id}: unreadable manifest ({err})") from None
        return self._manifest

    @property
    def name(self) -> str:
        return str(self.manifest["name"])

    @property
    def rows(self) -> int:
        return int(self.manifest["rows"])

    @property
    def data_path(self) -> Path:
        return self.path / DATA_FILE

    @property
    def card_path(self) -> Path:
        return self.path / CARD_FILE

    @property
    def qc_path(self) -> Path:
        return self.path / QC_FILE

    @property
    def splits(self) -> dict[str, int]:
        """Rows per split (empty when the version has no ``split`` column)."""
        return dict(self.manifest.get("counts", {}).get("split") or {})

    def qc(self) -> QCReport | None:
        """The stored QC report, or None if QC has not been run."""
        from modops.data.qc import QCReport

        if not self.qc_path.exists():
            return None
        return QCReport.from_dict(json.loads(self.qc_path.read_text(encoding="utf-8")))

    def frame(self, split: str | None = None, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """The rows as a DataFrame; ``split`` keeps one split (train / validation / test)."""
        import pyarrow.parquet as pq

        cols = list(columns) if columns is not None else None
        if cols is not None:
            missing = [c for c in cols if c not in self.manifest["schema"]]
            if missing:
                raise DataError(f"dataset version {self.id} has no column {missing[0]!r}")
        if split is None:
            return pq.read_table(self.data_path, columns=cols).to_pandas()
        if "split" not in self.manifest["schema"]:
            raise DataError(
                f"dataset version {self.id} has no split column; run `modops data split {self.id}`"
            )
        wanted = SPLIT_ALIASES.get(split.strip().lower())
        if wanted is None:
            raise InputError(f"unknown split {split!r}; use train, validation or test")
        read = None if cols is None else [*cols, "split"] if "split" not in cols else cols
        df = pq.read_table(self.data_path, columns=read).to_pandas()
        df = df[(df["split"] == wanted).to_numpy()].reset_index(drop=True)
        if cols is not None and "split" not in cols:
            df = df.drop(columns="split")
        return df

    def verify(self) -> None:
        """Check each data file against the sha256 in the manifest (``DataError`` if changed)."""
        for fname, info in self.manifest.get("files", {}).items():
            path = self.path / fname
            if not path.exists():
                raise DataError(f"dataset version {self.id}: file {fname} is missing")
            if _sha256_file(path) != info["sha256"]:
                raise DataError(
                    f"dataset version {self.id}: {fname} does not match its sha256 in the manifest"
                )

    def write_qc(self, report: QCReport) -> None:
        """Store ``report`` as ``qc.json`` and rewrite ``card.md`` (both derived, so replaceable)."""
        payload = report.to_dict() | {"dataset": self.id, "computed_at": _now()}
        _write_text_atomic(
            self.qc_path, json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n"
        )
        _write_text_atomic(self.card_path, render_card(self.manifest, report))


class DatasetStore:
    """The dataset store rooted at ``root`` (normally ``get_settings().datasets_dir``)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    # -- reading ---------------------------------------------------------------------------------
    def list(self, name: str | None = None) -> list[DatasetVersion]:
        """All versions (optionally of one ``name``), oldest first."""
        if not self.root.is_dir():
            return []
        out = []
        for child in self.root.iterdir():
            if child.name.startswith(".") or not (child / MANIFEST_FILE).is_file():
                continue
            version = DatasetVersion(child)
            try:
                if name is not None and version.name != name:
                    continue
            except DataError:
                continue
            out.append(version)
        return sorted(out, key=lambda v: (v.manifest.get("created_at", ""), v.id))

    def exists(self, version_id: str) -> bool:
        return bool(_NAME_RE.match(version_id)) and (self.root / version_id / MANIFEST_FILE).is_file()

    def get(self, ref: str) -> DatasetVersion:
        """The version with id ``ref``; a bare dataset name resolves to its newest version.

        Raises ``NotFoundError`` naming ``ref`` (hint: ``modops data list``).
        """
        ref = ref.strip()
        if _NAME_RE.match(ref):
            if (self.root / ref / MANIFEST_FILE).is_file():
                return DatasetVersion(self.root / ref)
            named = self.list(name=ref)
            if named:
                return named[-1]
        raise NotFoundError(f"unknown dataset version {ref!r}; run `modops data list` to see the versions")

    # -- writing ---------------------------------------------------------------------------------
    def create(
        self,
        df: pd.DataFrame,
        name: str,
        *,
        text_col: str | None = "text",
        label_col: str | None = "label",
        split_col: str | None = "split",
        group_col: str | None = None,
        sources: Sequence[Mapping[str, Any]] | None = None,
        generator: Mapping[str, Any] | None = None,
        description: str = "",
        parent: str | None = None,
        run_qc: bool = True,
        qc_params: Mapping[str, Any] | None = None,
        on_step: Callable[[str], None] | None = None,
    ) -> DatasetVersion:
        """Store ``df`` as a new version named ``name`` and return it (or the existing one).

        - ``text_col`` / ``label_col`` / ``split_col`` / ``group_col`` name the columns that
          become ``text`` / ``label`` / ``split`` / ``group``. ``text_col=None`` stores a
          tabular set without text. The default ``label`` and ``split`` may be absent;
          a column you name explicitly must exist.
        - ``score`` (if present) must be a number in [0, 1]; ``split`` values must be
          train / validation / test (val, valid, dev are accepted and normalised).
        - ``sources``: ``[{"name", "path", "license"}, ...]`` (extra keys such as ``usage``
          are kept). ``generator``: ``{"config": ..., "seed": ...}`` for synthetic data.
        - ``parent``: the version this one was derived from (e.g. by ``modops data split``).
        - ``run_qc``: run :func:`modops.data.qc.run_qc` (with ``qc_params``) and store the
          report in ``qc.json`` and the card.

        The id is ``<name>-<sha12 of the canonical content>``; if it already exists it is
        returned unchanged (metadata arguments are then ignored). Nothing is left behind if
        anything fails.
        """
        if not isinstance(name, str) or not _NAME_RE.match(name):
            raise InputError(
                f"bad dataset name {name!r}: use letters, digits, '.', '_' or '-' (at most 80 characters)"
            )
        frame = canonical_frame(
            df, text_col=text_col, label_col=label_col, split_col=split_col, group_col=group_col
        )
        if parent is not None and not self.exists(parent):
            raise NotFoundError(f"unknown parent dataset version {parent!r}")
        src = _check_sources(sources)
        if on_step:
            on_step("hashing")
        table = _to_table(frame)
        digest = content_hash(table)
        version_id = f"{name}-{digest[:12]}"
        final = self.root / version_id
        if (final / MANIFEST_FILE).is_file():
            return DatasetVersion(final)

        self.root.mkdir(parents=True, exist_ok=True)
        self._remove_stale_tmp()
        tmp = self.root / f".tmp-{version_id}-{uuid.uuid4().hex[:8]}"
        tmp.mkdir()
        try:
            import pyarrow.parquet as pq

            if on_step:
                on_step("writing parquet")
            pq.write_table(table, tmp / DATA_FILE, compression="zstd")
            manifest = _manifest(
                version_id, name, frame, table, digest, tmp, src, generator, description, parent
            )
            (tmp / MANIFEST_FILE).write_text(
                json.dumps(manifest, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8"
            )
            report = None
            if run_qc:
                from modops.data.qc import run_qc as _run_qc

                report = _run_qc(frame, on_step=on_step, **dict(qc_params or {}))
                qc_payload = report.to_dict() | {"dataset": version_id, "computed_at": _now()}
                (tmp / QC_FILE).write_text(
                    json.dumps(qc_payload, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8"
                )
            (tmp / CARD_FILE).write_text(render_card(manifest, report), encoding="utf-8")
            _make_read_only(tmp / DATA_FILE)
            _make_read_only(tmp / MANIFEST_FILE)
            try:
                os.rename(tmp, final)
            except OSError:
                if (final / MANIFEST_FILE).is_file():  # created concurrently: same content
                    shutil.rmtree(tmp, ignore_errors=True)
                    return DatasetVersion(final)
                raise
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return DatasetVersion(final)

    def check(self, ref: str, *, on_step: Callable[[str], None] | None = None, **params: Any) -> QCReport:
        """Verify a version's files, run QC on it, store ``qc.json`` and rewrite its card."""
        from modops.data.qc import run_qc as _run_qc

        version = self.get(ref)
        version.verify()
        report = _run_qc(version.frame(), on_step=on_step, **params)
        version.write_qc(report)
        return report

    def split(
        self,
        ref: str,
        *,
        ratios: Sequence[float] = (0.8, 0.1, 0.1),
        stratify: str | None = "label",
        group: str | None = "group",
        near_dup_threshold: float | None = 0.8,
        seed: int = 0,
        name: str | None = None,
        run_qc: bool = True,
        on_step: Callable[[str], None] | None = None,
    ) -> DatasetVersion:
        """Derive a new version of ``ref`` with a ``split`` column (see :func:`split_frame`).

        ``stratify`` / ``group`` that are absent from the data are ignored when left at their
        defaults (``"label"`` / ``"group"``); any other absent column is an error. The new version
        records ``parent`` and the split settings (``generator.config``, ``seed``).
        """
        from modops.data.split import split_frame

        parent = self.get(ref)
        schema = parent.manifest["schema"]
        if stratify is not None and stratify not in schema:
            if stratify != "label":
                raise DataError(f"dataset version {parent.id} has no column {stratify!r} to stratify by")
            stratify = None
        if group is not None and group not in schema:
            if group != "group":
                raise DataError(f"dataset version {parent.id} has no column {group!r} to group by")
            group = None
        text_col = "text" if "text" in schema else None
        if on_step:
            on_step("splitting")
        df = split_frame(
            parent.frame(),
            ratios=ratios,
            stratify=stratify,
            group=group,
            seed=seed,
            near_dup_threshold=near_dup_threshold if text_col else None,
        )
        config = {
            "operation": "split",
            "parent": parent.id,
            "ratios": [float(r) for r in ratios],
            "stratify": stratify,
            "group": group,
            "near_dup_threshold": near_dup_threshold if text_col else None,
        }
        note = f"Split of `{parent.id}` (ratios {', '.join(f'{r:g}' for r in ratios)}, stratify {stratify}, "
        note += f"group {group}, near-duplicate threshold {config['near_dup_threshold']}, seed {seed})."
        if "split" in schema:
            note += " The parent's own split column was replaced."
        description = (parent.manifest.get("description") or "").strip()
        return self.create(
            df,
            name or parent.name,
            text_col=text_col,
            sources=parent.manifest.get("sources") or [],
            generator={"config": config, "seed": seed},
            description=f"{description}\n\n{note}".strip(),
            parent=parent.id,
            run_qc=run_qc,
            on_step=on_step,
        )

    def _remove_stale_tmp(self) -> None:
        """Remove temp folders left by a killed process (older than an hour)."""
        now = time.time()
        for child in self.root.glob(".tmp-*"):
            try:
                if now - child.stat().st_mtime > _STALE_TMP_S:
                    shutil.rmtree(child, ignore_errors=True)
            except OSError:
                continue


def get_store() -> DatasetStore:
    """The store at ``get_settings().datasets_dir`` (``$MODOPS_HOME/datasets``)."""
    from modops.config import get_settings

    return DatasetStore(get_settings().datasets_dir)


# -- canonicalisation and hashing ------------------------------------------------------------------
def canonical_frame(
    df: pd.DataFrame,
    *,
    text_col: str | None = "text",
    label_col: str | None = "label",
    split_col: str | None = "split",
    group_col: str | None = None,
) -> pd.DataFrame:
    """Rename to standard columns, validate them, and order columns (standard ones first)."""
    import pandas as pd

    if not isinstance(df, pd.DataFrame):
        raise InputError(f"expected a pandas DataFrame, got {type(df).__name__}")
    if len(df) == 0:
        raise DataError("the dataset has no rows")
    df = df.reset_index(drop=True).copy()
    df.columns = [str(c) for c in df.columns]
    if len(set(df.columns)) != len(df.columns):
        raise DataError("duplicate column names")
    rename: dict[str, str] = {}
    for std, col, default in (
        ("text", text_col, "text"),
        ("label", label_col, "label"),
        ("split", split_col, "split"),
        ("group", group_col, None),
    ):
        if col is None:
            continue
        if col not in df.columns:
            if col == default and std != "text":
                continue  # the default name is optional
            raise DataError(f"missing column {col!r} (columns: {', '.join(df.columns[:20])})")
        if col != std:
            if std in df.columns and std not in rename:
                raise DataError(f"column {std!r} exists and mapping {std}={col} would overwrite it")
            rename[col] = std
    df = df.rename(columns=rename)
    if text_col is not None:
        bad = df["text"].map(lambda v: v is not None and not isinstance(v, str) and not _is_na(v))
        if bad.any():
            row = int(bad.to_numpy().nonzero()[0][0])
            raise DataError(f"column 'text' must hold strings; row {row} holds {df['text'].iat[row]!r}")
        df["text"] = df["text"].astype(object).where(df["text"].notna(), None)
    if "score" in df.columns:
        try:
            score = pd.to_numeric(df["score"]).astype(float)
        except (ValueError, TypeError):
            raise DataError("column 'score' must be numeric") from None
        out = ((score < 0) | (score > 1)).to_numpy()
        if out.any():
            row = int(out.nonzero()[0][0])
            raise DataError(f"column 'score' must be in [0, 1]; row {row} is {score.iat[row]}")
        df["score"] = score
    if "split" in df.columns:
        raw = df["split"]
        norm = raw.map(lambda v: SPLIT_ALIASES.get(str(v).strip().lower()) if not _is_na(v) else None)
        bad = norm.isna().to_numpy()
        if bad.any():
            values = sorted({str(v) for v in raw[bad].tolist()})[:5]
            raise DataError(f"column 'split' must be train, validation or test; found {', '.join(values)}")
        df["split"] = norm.astype(object)
    for col in ("label", "group", "source"):
        if col in df.columns and df[col].dtype == object:
            kinds = {type(v) for v in df[col].dropna().tolist()}
            if len(kinds) > 1:  # e.g. 1 and "1": make them comparable rather than fail in Arrow
                df[col] = df[col].map(lambda v: None if _is_na(v) else str(v)).astype(object)
    order = [c for c in STANDARD_COLUMNS if c in df.columns] + [
        c for c in df.columns if c not in STANDARD_COLUMNS
    ]
    return df[order]


def _is_na(v: Any) -> bool:
    try:
        import pandas as pd

        return bool(pd.isna(v)) if not isinstance(v, list | tuple | dict) else False
    except (TypeError, ValueError):
        return False


def _to_table(df: pd.DataFrame) -> pa.Table:
    """An Arrow table with a stable schema: no pandas metadata, plain (not large) strings."""
    import pyarrow as pa

    try:
        table = pa.Table.from_pandas(df, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as err:
        msg = str(err).splitlines()[0]
        raise DataError(f"cannot store the data: {msg}") from None
    fields = []
    for f in table.schema:
        t = f.type
        if pa.types.is_dictionary(t):
            t = t.value_type
        if pa.types.is_large_string(t):
            t = pa.string()
        if pa.types.is_large_list(t) and pa.types.is_large_string(t.value_type):
            t = pa.list_(pa.string())
        fields.append(pa.field(f.name, t))
    return table.cast(pa.schema(fields)).replace_schema_metadata(None).combine_chunks()


def content_hash(table: pa.Table) -> str:
    """sha256 over column names, Arrow types and values in row order (library-version independent)."""
    h = hashlib.sha256()
    h.update(FORMAT.encode())
    for name, column in zip(table.schema.names, table.columns, strict=True):
        h.update(json.dumps([name, str(column.type)]).encode())
        h.update(json.dumps(column.to_pylist(), ensure_ascii=False, default=str, allow_nan=True).encode())
    return h.hexdigest()


def _check_sources(sources: Sequence[Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    out = []
    for i, s in enumerate(sources or ()):
        if not isinstance(s, Mapping):
            raise InputError(f"sources[{i}] must be a mapping with name, path and license")
        missing = [k for k in ("name", "path", "license") if k not in s]
        if missing:
            raise InputError(f"sources[{i}] lacks {', '.join(missing)}")
        out.append({str(k): v for k, v in s.items()})
    return out


def _counts(series: pd.Series) -> dict[str, int]:
    vc = series.astype(object).where(series.notna(), "<missing>").astype(str).value_counts()
    return {str(k): int(v) for k, v in vc.items()}


def _manifest(
    version_id: str,
    name: str,
    frame: pd.DataFrame,
    table: pa.Table,
    digest: str,
    folder: Path,
    sources: list[dict[str, Any]],
    generator: Mapping[str, Any] | None,
    description: str,
    parent: str | None,
) -> dict[str, Any]:
    import pandas as pd
    import pyarrow as pa

    from modops import __version__

    counts: dict[str, Any] = {}
    if "split" in frame.columns:
        split_order = {"train": 0, "validation": 1, "test": 2}
        counts["split"] = dict(
            sorted(_counts(frame["split"]).items(), key=lambda kv: split_order.get(kv[0], 9))
        )
    if "label" in frame.columns:
        labels = _counts(frame["label"])
        if len(labels) <= _MAX_LABEL_COUNTS:
            counts["label"] = labels
            if "split" in frame.columns:
                tab = pd.crosstab(frame["split"], frame["label"].astype(str))
                counts["split_label"] = {
                    str(s): {str(k): int(v) for k, v in row.items()} for s, row in tab.iterrows()
                }
        else:
            counts["label"] = {"distinct": len(labels)}
    data_file = folder / DATA_FILE
    gen = dict(generator) if generator is not None else None
    return {
        "format": FORMAT,
        "id": version_id,
        "name": name,
        "created_at": _now(),
        "description": description,
        "rows": int(table.num_rows),
        "columns": list(table.schema.names),
        "schema": {f.name: str(f.type) for f in table.schema},
        "content_sha256": digest,
        "files": {DATA_FILE: {"sha256": _sha256_file(data_file), "bytes": data_file.stat().st_size}},
        "counts": counts,
        "generator": gen,
        "seed": gen.get("seed") if gen else None,
        "sources": sources,
        "parent": parent,
        "created_with": {"modops": __version__, "pandas": pd.__version__, "pyarrow": pa.__version__},
    }


# -- card ------------------------------------------------------------------------------------------
def _md(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def render_card(manifest: Mapping[str, Any], report: QCReport | None = None) -> str:
    """The dataset card (Markdown) for a manifest and, if given, its QC report."""
    m = manifest
    lines = [f"# Dataset `{m['id']}`", ""]
    if m.get("description"):
        lines += [str(m["description"]).strip(), ""]
    lines += [
        "| field | value |",
        "|---|---|",
        f"| id | `{m['id']}` |",
        f"| name | {_md(m['name'])} |",
        f"| rows | {m['rows']:,} |",
        f"| created | {m['created_at']} |",
        f"| parent | {'`' + m['parent'] + '`' if m.get('parent') else '-'} |",
        f"| content sha256 | `{m['content_sha256']}` |",
        "",
        "## Sources and licences",
        "",
    ]
    if m.get("sources"):
        lines += ["| source | path | licence | notes |", "|---|---|---|---|"]
        for s in m["sources"]:
            notes = "; ".join(f"{k}: {v}" for k, v in s.items() if k not in ("name", "path", "license"))
            lines.append(f"| {_md(s['name'])} | `{_md(s['path'])}` | {_md(s['license'])} | {_md(notes)} |")
    else:
        lines.append("No sources recorded.")
    lines += ["", "## Schema", "", "| column | type |", "|---|---|"]
    lines += [f"| {_md(c)} | {_md(t)} |" for c, t in m["schema"].items()]
    lines += ["", "## Files", "", "| file | sha256 | bytes |", "|---|---|---:|"]
    lines += [f"| {f} | `{i['sha256']}` | {i['bytes']:,} |" for f, i in m.get("files", {}).items()]
    counts = m.get("counts", {})
    lines += ["", "## Splits", ""]
    if counts.get("split"):
        total = sum(counts["split"].values())
        lines += ["| split | rows | share |", "|---|---:|---:|"]
        lines += [f"| {s} | {n:,} | {n / total:.1%} |" for s, n in counts["split"].items()]
    else:
        lines.append("No split column (make one with `modops data split`).")
    lines += ["", "## Label balance", ""]
    labels = counts.get("label")
    if labels and "distinct" not in labels:
        total = sum(labels.values())
        split_label = counts.get("split_label") or {}
        head = "| label | rows | share |" + "".join(f" {s} |" for s in split_label)
        lines += [head, "|---|---:|---:|" + "---:|" * len(split_label)]
        for label, n in labels.items():
            per = "".join(f" {split_label[s].get(label, 0):,} |" for s in split_label)
            lines.append(f"| {_md(label)} | {n:,} | {n / total:.1%} |{per}")
    elif labels:
        lines.append(f"{labels['distinct']:,} distinct labels.")
    else:
        lines.append("No label column.")
    if m.get("generator"):
        lines += ["", "## Generator", "", "```json", json.dumps(m["generator"], indent=2, default=str), "```"]
    lines += ["", "## Quality control", ""]
    if report is None:
        lines.append("Not run yet: `modops data check " + m["id"] + "`.")
    else:
        lines.append(report.to_markdown(balance=False).rstrip())
    return "\n".join(lines) + "\n"
