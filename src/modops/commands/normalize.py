"""``modops normalize`` (top level) and ``modops eval normalizer``."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer

from modops.commands.groups import eval_app
from modops.errors import InputError, NotFoundError


def _normalizer(patterns: list[Path] | None) -> Any:
    from modops.normalize import Normalizer, get_normalizer

    if patterns:
        from modops.config import get_settings

        extra = [p for p in [get_settings().patterns_dir] if p] + list(patterns)
        return Normalizer(extra)
    return get_normalizer()


def _print_one(nt: Any, as_json: bool) -> None:
    from rich.table import Table

    from modops.commands._util import console

    if as_json:
        typer.echo(json.dumps(nt.to_dict(), ensure_ascii=False))
        return
    typer.echo(nt.normalized)
    if not nt.substitutions:
        console.print(f"[dim]no substitutions (patterns {nt.db_version})[/dim]")
        return
    table = Table(title=f"substitutions (patterns {nt.db_version})", title_justify="left")
    for col in ("span", "original", "replacement", "kind", "pattern", "category", "harmful"):
        table.add_column(col)
    for s in nt.substitutions:
        table.add_row(
            f"{s.start}-{s.end}",
            repr(s.original)[1:-1],
            repr(s.replacement)[1:-1],
            s.kind,
            s.pattern_id or "",
            s.category or "",
            "[red]yes[/red]" if s.harmful else "no",
        )
    console.print(table)


def _stream(norm: Any, src: Path, dst: Path, field: str) -> int:
    from modops.commands._util import count_lines, progress, read_jsonl

    if not src.exists():
        raise NotFoundError(f"file not found: {src}")
    if not src.is_file():
        raise InputError(f"not a file: {src}")
    if dst.resolve() == src.resolve():
        raise InputError("--out must differ from --file")
    total = count_lines(src)
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(dst.name + ".partial")
    n = 0
    try:
        with tmp.open("w", encoding="utf-8") as fh, progress() as bar:
            task = bar.add_task("normalizing", total=total)
            for _lineno, obj in read_jsonl(src, field):
                nt = norm.normalize(obj[field])
                row = dict(obj)
                row["normalized"] = nt.normalized
                row["substitutions"] = [s.to_dict() for s in nt.substitutions]
                row["db_version"] = nt.db_version
                line = json.dumps(row, ensure_ascii=False)
                if not line.isascii():
                    try:
                        line.encode("utf-8")
                    except UnicodeEncodeError:  # a lone surrogate in an input field: escape it
                        line = json.dumps(row, ensure_ascii=True)
                fh.write(line + "\n")
                n += 1
                bar.advance(task)
        os.replace(tmp, dst)
    finally:
        if tmp.exists():
            tmp.unlink()
    return n


def register(app: typer.Typer) -> None:
    """Add the top-level ``modops normalize`` command."""

    @app.command("normalize")
    def normalize_cmd(
        text: Annotated[str | None, typer.Argument(help="Text to normalize.")] = None,
        file: Annotated[
            Path | None, typer.Option("--file", help="JSONL input (objects with --field, or strings).")
        ] = None,
        out: Annotated[Path | None, typer.Option("--out", help="JSONL output for --file.")] = None,
        field: Annotated[str, typer.Option("--field", help="Text field of each JSONL object.")] = "text",
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
        patterns: Annotated[
            list[Path] | None, typer.Option("--patterns", help="Extra pattern file/folder (repeatable).")
        ] = None,
    ) -> None:
        """Normalize algospeak/obfuscation: print the normalized text and its substitutions."""
        if (text is None) == (file is None):
            raise InputError("give either TEXT or --file (with --out)")
        norm = _normalizer(patterns)
        if file is not None:
            if out is None:
                raise InputError("--file needs --out")
            n = _stream(norm, file, out, field)
            typer.echo(f"normalized {n} rows -> {out} (patterns {norm.version})", err=True)
            return
        assert text is not None
        _print_one(norm.normalize(text), as_json)


@eval_app.command("normalizer")
def eval_normalizer_cmd(
    out: Annotated[
        Path | None, typer.Option("--out", help="Report folder (default $MODOPS_HOME/reports).")
    ] = None,
    sentences: Annotated[
        int, typer.Option("--sentences", min=1, help="Clean blog sentences to sample.")
    ] = 2000,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    patterns: Annotated[
        list[Path] | None, typer.Option("--patterns", help="Extra pattern file/folder.")
    ] = None,
) -> None:
    """Lexicon coverage, Surge recall and false-substitution rate; writes JSON + HTML."""
    from rich.table import Table

    from modops.commands._util import console
    from modops.config import get_settings
    from modops.evaluation.normalizer import evaluate_normalizer, summary_rows, write_normalizer_report

    settings = get_settings()
    payload = evaluate_normalizer(settings.resolved_data_dir, sentences, seed, _normalizer(patterns))
    out_dir = out or settings.resolved_home / "reports"
    json_path, html_path = write_normalizer_report(payload, out_dir)
    table = Table(title=f"normalizer {payload['normalizer_version']}", title_justify="left")
    for col in ("metric", "value", "95% CI", "n", "target"):
        table.add_column(col)
    for r in summary_rows(payload):
        v = r["value"]
        table.add_row(
            r["metric"],
            "-" if v is None else f"{v:.4f}",
            "-" if v is None else f"[{r['ci_low']:.4f}, {r['ci_high']:.4f}]",
            str(r["n"]),
            r["target"],
        )
    console.print(table)
    typer.echo(f"report: {json_path} and {html_path}")
