"""Small helpers shared by CLI command modules."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from modops.errors import InputError, NotFoundError

console = Console()
err_console = Console(stderr=True)


@contextmanager
def progress(transient: bool = False) -> Iterator[Progress]:
    """A rich progress bar on stderr, so stdout stays machine-readable."""
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=transient,
    ) as bar:
        yield bar


def read_jsonl(path: Path, field: str = "text") -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (line number, object) from a JSONL file; bad lines raise InputError naming the line."""
    if not path.exists():
        raise NotFoundError(f"file not found: {path}")
    if not path.is_file():
        raise InputError(f"not a file: {path}")
    try:
        fh = path.open("rb")
    except OSError as err:
        raise InputError(f"cannot read {path}: {err.strerror}") from None
    with fh:
        for lineno, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise InputError(f"{path}:{lineno}: not valid UTF-8") from None
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as err:
                raise InputError(f"{path}:{lineno}: malformed JSON ({err.msg})") from None
            if isinstance(obj, str):
                obj = {field: obj}
            if not isinstance(obj, dict):
                raise InputError(f"{path}:{lineno}: expected a JSON object or string")
            if field not in obj:
                raise InputError(f"{path}:{lineno}: missing field {field!r}")
            if not isinstance(obj[field], str):
                raise InputError(f"{path}:{lineno}: field {field!r} must be a string")
            yield lineno, obj


def count_lines(path: Path) -> int:
    with path.open("rb") as fh:
        return sum(1 for line in fh if line.strip())


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> int:
    n = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    return n
