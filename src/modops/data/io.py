"""Strict readers for CSV, JSONL and Parquet files, with a column mapping.

Every problem is a one-line :class:`~modops.errors.ModopsError` naming the file (and the
line where there is one): a missing or unreadable path (``NotFoundError`` / ``InputError``),
a non-UTF-8 byte, a malformed CSV row or JSON line (``InputError``), a mapped column that
is not there (``DataError``). Nothing is guessed or silently dropped.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modops.errors import DataError, InputError, NotFoundError

if TYPE_CHECKING:
    import pandas as pd

FORMATS = ("csv", "jsonl", "parquet")
_SUFFIXES = {
    ".csv": "csv",
    ".tsv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}
_LEADING_ZERO = re.compile(r"^[+-]?0\d")


def parse_mapping(items: Sequence[str] | None) -> dict[str, str]:
    """Parse ``["text=comment_body", "label=class"]`` into ``{"text": "comment_body", ...}``."""
    mapping: dict[str, str] = {}
    for item in items or ():
        target, sep, source = item.partition("=")
        target, source = target.strip(), source.strip()
        if not sep or not target or not source:
            raise InputError(f"bad --map {item!r}: expected STANDARD=SOURCE, e.g. text=comment_body")
        if target in mapping:
            raise InputError(f"--map gives {target!r} twice")
        mapping[target] = source
    return mapping


def detect_format(path: Path, fmt: str | None = None) -> str:
    """The reader to use: ``fmt`` if given, else from the file suffix."""
    if fmt is not None:
        f = fmt.lower()
        if f not in FORMATS:
            raise InputError(f"unknown format {fmt!r}; use one of: {', '.join(FORMATS)}")
        return f
    found = _SUFFIXES.get(path.suffix.lower())
    if found is None:
        raise InputError(f"{path}: cannot tell the format from the suffix; pass --format csv|jsonl|parquet")
    return found


def _open_bytes(path: Path) -> bytes:
    if not path.exists():
        raise NotFoundError(f"file not found: {path}")
    if path.is_dir():
        raise InputError(f"{path} is a directory, not a file")
    try:
        return path.read_bytes()
    except OSError as err:
        raise InputError(f"cannot read {path}: {err.strerror or err}") from None


def _decode(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise InputError(
            f"{path}:{line}: not valid UTF-8 (byte 0x{data[err.start]:02x} at offset {err.start}); "
            "re-encode the file as UTF-8"
        ) from None


def _infer_numeric(df: pd.DataFrame, keep_text: set[str]) -> pd.DataFrame:
    """Turn all-numeric string columns into numbers, except text columns and zero-padded ids."""
    import pandas as pd

    for col in df.columns:
        if col in keep_text:
            continue
        values = df[col].dropna()
        if values.empty or values.map(lambda v: bool(_LEADING_ZERO.match(v))).any():
            continue
        try:
            df[col] = pd.to_numeric(df[col])
        except (ValueError, TypeError):
            continue
    return df


def read_csv(
    path: Path, *, delimiter: str | None = None, text_columns: Sequence[str] = ("text",)
) -> pd.DataFrame:
    """Read a CSV strictly: UTF-8, a header row, the same number of fields on every row.

    Empty fields are missing values except in ``text_columns``, which stay strings exactly as
    written (a tweet that says "NA" stays "NA"). Other all-numeric columns become numbers.
    ``.tsv`` files use a tab delimiter unless ``delimiter`` is given.
    """
    import pandas as pd

    path = Path(path)
    text = _decode(path, _open_bytes(path))
    if not text.strip():
        raise InputError(f"{path}: file is empty")
    delim = delimiter or ("\t" if path.suffix.lower() == ".tsv" else ",")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim, strict=True)
    try:
        header = next(reader)
        names = [h.strip() or f"unnamed_{i}" for i, h in enumerate(header)]
        seen: set[str] = set()
        for h in names:
            if h in seen:
                raise InputError(f"{path}:1: duplicate column name {h!r} in the header")
            seen.add(h)
        rows: list[list[str]] = []
        width = len(names)
        for row in reader:
            if len(row) != width:
                if not row:  # a blank line
                    continue
                raise InputError(
                    f"{path}:{reader.line_num}: malformed CSV: expected {width} fields, found {len(row)}"
                )
            rows.append(row)
    except csv.Error as err:
        raise InputError(f"{path}:{reader.line_num}: malformed CSV ({err})") from None
    df = pd.DataFrame(rows, columns=names, dtype=object)
    keep = set(text_columns)
    for col in df.columns:
        if col not in keep:
            df[col] = df[col].where(df[col] != "", None)
    return _infer_numeric(df, keep)


def read_jsonl(
    path: Path, *, required: Sequence[str] = (), text_columns: Sequence[str] = ("text",)
) -> pd.DataFrame:
    """Read JSON Lines strictly: one JSON object per non-blank line, valid UTF-8.

    Each name in ``required`` must be a key of every object (the error names the line), and
    each of ``text_columns`` that is present must hold a string or null.
    """
    import pandas as pd

    path = Path(path)
    data = _open_bytes(path)
    records: list[dict[str, Any]] = []
    for lineno, raw in enumerate(data.split(b"\n"), start=1):
        if not raw.strip():
            continue
        try:
            line = raw.decode("utf-8-sig" if lineno == 1 else "utf-8")
        except UnicodeDecodeError as err:
            raise InputError(f"{path}:{lineno}: not valid UTF-8 (byte 0x{raw[err.start]:02x})") from None
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as err:
            raise InputError(f"{path}:{lineno}: malformed JSON ({err.msg} at column {err.colno})") from None
        if not isinstance(obj, dict):
            raise InputError(f"{path}:{lineno}: expected a JSON object, found {type(obj).__name__}")
        for key in required:
            if key not in obj:
                raise DataError(f"{path}:{lineno}: missing column {key!r}")
        for key in text_columns:
            if key in obj and obj[key] is not None and not isinstance(obj[key], str):
                raise DataError(f"{path}:{lineno}: {key!r} must be a string, found {type(obj[key]).__name__}")
        records.append(obj)
    if not records:
        raise InputError(f"{path}: file is empty")
    return pd.DataFrame.from_records(records)


def read_parquet(path: Path) -> pd.DataFrame:
    """Read a Parquet file; a file that is not Parquet is an ``InputError``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    _open_bytes(path)  # existence / readability, with the same messages as the other readers
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as err:
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise InputError(f"{path}: not a readable Parquet file ({first})") from None
    return table.to_pandas()


def read_table(
    path: str | Path,
    fmt: str | None = None,
    mapping: Mapping[str, str] | None = None,
    *,
    required: Sequence[str] = ("text",),
) -> pd.DataFrame:
    """Read a CSV, JSONL or Parquet file and rename columns to the standard names.

    ``mapping`` maps a standard name to the file's column (``{"text": "comment_body"}``);
    unmapped columns keep their names. Each name in ``required`` (standard names, after
    mapping) must exist, else ``DataError("<file>: missing column ...")``.
    """
    path = Path(path).expanduser()
    mapping = dict(mapping or {})
    sources = list(mapping.values())
    for src in sources:
        if sources.count(src) > 1:
            raise InputError(f"column {src!r} is mapped twice; map each source column once")
    kind = detect_format(path, fmt)
    source_of = {std: mapping.get(std, std) for std in {*required, *mapping}}
    text_sources = [mapping.get("text", "text")]
    if kind == "csv":
        df = read_csv(path, text_columns=text_sources)
    elif kind == "jsonl":
        df = read_jsonl(path, required=[source_of[r] for r in required], text_columns=text_sources)
    else:
        df = read_parquet(path)
    missing = [src for src in source_of.values() if src not in df.columns]
    if missing:
        cols = ", ".join(map(str, df.columns[:20]))
        raise DataError(f"{path}: missing column {missing[0]!r} (columns: {cols})")
    for std, src in mapping.items():
        if std != src and std in df.columns and std not in mapping.values():
            raise DataError(f"{path}: --map {std}={src} would overwrite the existing column {std!r}")
    return df.rename(columns={src: std for std, src in mapping.items()})
