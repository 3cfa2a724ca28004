"""``modops data``: import, list, show, split and check dataset versions.

Exit codes: 0 success; 1 ``data check`` found leakage across splits (or, with ``--strict``,
any warning); 2 an error (unknown version, bad file, missing column, ...), printed as one line.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from modops.commands._util import console, progress
from modops.commands.groups import data_app
from modops.data.loaders import LOADER_NAMES
from modops.errors import InputError

if TYPE_CHECKING:
    from modops.data.qc import QCReport
    from modops.data.store import DatasetVersion

_STATUS_STYLE = {"ok": "green", "warn": "yellow", "fail": "bold red", "skip": "dim"}


@contextmanager
def _steps(description: str, total: int, quiet: bool = False) -> Iterator[Callable[[str], None]]:
    """A transient progress bar advanced by ``on_step(name)`` callbacks (on stderr)."""
    from modops.commands._util import err_console

    if quiet or not err_console.is_terminal:  # keep piped stderr to the one-line errors
        yield lambda _name: None
        return
    with progress(transient=True) as bar:
        task = bar.add_task(description, total=total)

        def on_step(name: str) -> None:
            bar.update(task, advance=1, description=f"{description}: {name}")

        yield on_step
        bar.update(task, completed=total)


def _parse_ratios(text: str) -> tuple[float, ...]:
    try:
        return tuple(float(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise InputError(f"bad --ratios {text!r}: expected numbers like 0.8,0.1,0.1") from None


def _none(value: str | None) -> str | None:
    return None if value is not None and value.lower() in ("none", "") else value


def _print_version_summary(version: DatasetVersion, verb: str) -> None:
    from rich.table import Table

    m = version.manifest
    title = f"{verb} dataset version {version.id}" if verb else f"dataset version {version.id}"
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    table.add_row("id", version.id)
    table.add_row("rows", f"{m['rows']:,}")
    table.add_row("columns", ", ".join(m["columns"]))
    if m["counts"].get("split"):
        table.add_row("splits", ", ".join(f"{k} {v:,}" for k, v in m["counts"]["split"].items()))
    labels = m["counts"].get("label")
    if labels:
        table.add_row(
            "labels",
            f"{labels['distinct']:,} distinct"
            if "distinct" in labels
            else ", ".join(f"{k} {v:,}" for k, v in labels.items()),
        )
    if m.get("parent"):
        table.add_row("parent", m["parent"])
    table.add_row("sources", "; ".join(f"{s['name']} ({s['license']})" for s in m.get("sources", [])) or "-")
    report = version.qc()
    if report is not None:
        verdict = "passed" if report.passed else "[bold red]FAILED: leakage across splits[/]"
        warns = [c.title for c in report.checks if c.status == "warn"]
        table.add_row("QC", verdict + (f"; warnings: {', '.join(warns)}" if warns else ""))
    table.add_row("path", str(version.path))
    console.print(table)


def _print_report(report: QCReport, version_id: str) -> None:
    from rich.table import Table

    table = Table(title=f"QC report for {version_id} ({report.rows:,} rows)", title_justify="left")
    table.add_column("check", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("found", justify="right", no_wrap=True)
    table.add_column("result", overflow="fold")
    table.add_column("example rows", overflow="fold", max_width=16)
    for c in report.checks:
        style = _STATUS_STYLE[c.status]
        rows = ", ".join(str(e["row"]) for e in c.examples) if c.status in ("warn", "fail") else ""
        table.add_row(c.title, f"[{style}]{c.status}[/]", f"{c.count:,}", c.summary, rows)
    console.print(table)
    lengths = report.stats.get("text_chars")
    if lengths:
        console.print(
            "text length (chars): " + ", ".join(f"{k} {v:,.0f}" for k, v in lengths.items()), highlight=False
        )
    if report.leakage:
        console.print("[bold red]QC FAILED: leakage across splits[/] (exit code 1)")
    else:
        n_warn = sum(c.status == "warn" for c in report.checks)
        console.print(f"[green]QC passed[/] with {n_warn} warning(s)")


@data_app.command("import")
def import_cmd(
    loader: Annotated[
        str | None,
        typer.Argument(help=f"A ready-made loader: {', '.join(LOADER_NAMES)}. Omit it with --file."),
    ] = None,
    file: Annotated[
        Path | None, typer.Option("--file", "-f", help="A CSV, JSONL or Parquet file to import.")
    ] = None,
    fmt: Annotated[
        str | None, typer.Option("--format", help="csv, jsonl or parquet (default: from the file suffix).")
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", "-n", help="Dataset name (required with --file).")
    ] = None,
    mapping: Annotated[
        list[str] | None,
        typer.Option(
            "--map", "-m", help="STANDARD=SOURCE column mapping, e.g. --map text=comment_body. Repeatable."
        ),
    ] = None,
    description: Annotated[str, typer.Option(help="Description for the dataset card.")] = "",
    license_: Annotated[str, typer.Option("--license", help="Licence of the imported file.")] = "unknown",
    qc: Annotated[
        bool, typer.Option("--qc/--no-qc", help="Run QC at import (stored in qc.json and the card).")
    ] = True,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the version id.")] = False,
) -> None:
    """Import a public set (``modops data import davidson``) or a file (``--file F --name N --map text=col``).

    Prints the new version id. Importing the same data again returns the same id.
    """
    from modops.data.store import get_store

    if (loader is None) == (file is None):
        raise InputError(
            "give either a loader name (" + ", ".join(LOADER_NAMES) + ") or --file with --name, not both"
            if loader and file
            else "nothing to import: give a loader name ("
            + ", ".join(LOADER_NAMES)
            + ") or --file F --name N"
        )
    store = get_store()
    with _steps("importing", total=8, quiet=quiet) as on_step:
        if loader is not None:
            if name or mapping or fmt:
                raise InputError("--name, --map and --format apply to --file imports only")
            from modops.data.loaders import import_dataset

            version = import_dataset(loader, store=store, run_qc=qc, on_step=on_step)
        else:
            from modops.data.io import parse_mapping, read_table

            assert file is not None
            if not name:
                raise InputError("--file needs --name (the dataset name)")
            cols = parse_mapping(mapping)
            on_step(f"reading {file.name}")
            df = read_table(file, fmt, cols, required=["text"])
            version = store.create(
                df,
                name,
                sources=[{"name": name, "path": str(file.expanduser().resolve()), "license": license_}],
                description=description,
                run_qc=qc,
                on_step=on_step,
            )
    if quiet:
        typer.echo(version.id)
        return
    _print_version_summary(version, "imported")


@data_app.command("list")
def list_cmd(
    name: Annotated[
        str | None, typer.Option("--name", "-n", help="Only versions of this dataset name.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List dataset versions (oldest first)."""
    from rich.table import Table

    from modops.data.store import get_store

    versions = get_store().list(name=name)
    if as_json:
        typer.echo(json.dumps([v.manifest for v in versions], indent=2, ensure_ascii=False))
        return
    if not versions:
        console.print("no dataset versions yet: try `modops data import davidson`")
        return
    table = Table(title=f"{len(versions)} dataset version(s)", title_justify="left")
    table.add_column("id", no_wrap=True)
    table.add_column("rows", justify="right", no_wrap=True)
    table.add_column("splits", no_wrap=True)
    table.add_column("labels", no_wrap=True)
    table.add_column("QC", no_wrap=True)
    table.add_column("created", no_wrap=True)
    table.add_column("parent", overflow="fold")
    for v in versions:
        m = v.manifest
        splits = m["counts"].get("split") or {}
        labels = m["counts"].get("label") or {}
        report = v.qc()
        qc = "-" if report is None else ("[green]passed[/]" if report.passed else "[bold red]leakage[/]")
        table.add_row(
            v.id,
            f"{m['rows']:,}",
            "/".join(f"{n:,}" for n in splits.values()) or "-",
            str(labels.get("distinct", len(labels))) if labels else "-",
            qc,
            m["created_at"][:10],
            m.get("parent") or "-",
        )
    console.print(table)


@data_app.command("loaders")
def loaders_cmd() -> None:
    """List the ready-made loaders for the shared public datasets, with licences."""
    from rich.table import Table

    from modops.config import get_settings
    from modops.data.loaders import LOADERS

    root = get_settings().resolved_data_dir
    table = Table(title=f"loaders (data dir {root})", title_justify="left")
    table.add_column("name", no_wrap=True)
    for col in ("dataset", "licence", "use", "files"):
        table.add_column(col, overflow="fold")
    for spec in LOADERS.values():
        present = all((root / f).is_file() for f in spec.files)
        table.add_row(
            spec.name, spec.title, spec.license, spec.usage, "present" if present else "[red]missing[/]"
        )
    console.print(table)


@data_app.command("show")
def show_cmd(
    version: Annotated[str, typer.Argument(help="Version id (or a dataset name for its newest version).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the manifest as JSON.")] = False,
    head: Annotated[int, typer.Option("--head", help="Also print the first N rows.", min=0)] = 0,
) -> None:
    """Show a version: manifest summary, schema, counts, QC verdict, path."""
    from rich.table import Table

    from modops.data.store import get_store

    v = get_store().get(version)
    if as_json:
        typer.echo(json.dumps(v.manifest, indent=2, ensure_ascii=False))
        return
    _print_version_summary(v, "")
    schema = Table(title="schema", title_justify="left")
    schema.add_column("column")
    schema.add_column("type")
    for col, typ in v.manifest["schema"].items():
        schema.add_row(col, typ)
    console.print(schema)
    console.print(f"card: {v.card_path}", highlight=False)
    if head:
        df = v.frame().head(head)
        rows = Table(title=f"first {len(df)} rows", title_justify="left")
        for col in df.columns:
            rows.add_column(str(col), overflow="fold", max_width=60)
        for rec in df.itertuples(index=False):
            rows.add_row(*[_cell(x) for x in rec])
        console.print(rows)


def _cell(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 120 else text[:119] + "…"


@data_app.command("split")
def split_cmd(
    version: Annotated[str, typer.Argument(help="Version id (or dataset name) to split.")],
    ratios: Annotated[
        str, typer.Option(help="train,validation,test (or train,test) fractions summing to 1.")
    ] = "0.8,0.1,0.1",
    stratify: Annotated[
        str, typer.Option(help="Column whose proportions each split keeps; 'none' to disable.")
    ] = "label",
    group: Annotated[
        str,
        typer.Option(help="Column whose values never straddle splits (used if present); 'none' to disable."),
    ] = "group",
    near_dup_threshold: Annotated[
        float,
        typer.Option(
            help="Keep texts with MinHash Jaccard >= this in one split; 0 keeps only exact copies together."
        ),
    ] = 0.8,
    seed: Annotated[int, typer.Option(help="Random seed: same data + seed = same split.")] = 0,
    name: Annotated[
        str | None, typer.Option("--name", "-n", help="Name of the new version (default: the parent's).")
    ] = None,
    qc: Annotated[bool, typer.Option("--qc/--no-qc", help="Run QC on the result.")] = True,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the new version id.")] = False,
) -> None:
    """Make a derived version with a seeded, stratified, group-aware ``split`` column."""
    from modops.data.store import get_store

    r = _parse_ratios(ratios)
    if not 0.0 <= near_dup_threshold <= 1.0:
        raise InputError(f"--near-dup-threshold must be in [0, 1], got {near_dup_threshold}")
    with _steps("splitting", total=7, quiet=quiet) as on_step:
        new = get_store().split(
            version,
            ratios=r,
            stratify=_none(stratify),
            group=_none(group),
            near_dup_threshold=near_dup_threshold or None,
            seed=seed,
            name=name,
            run_qc=qc,
            on_step=on_step,
        )
    if quiet:
        typer.echo(new.id)
        return
    _print_version_summary(new, "split into")


@data_app.command("check")
def check_cmd(
    version: Annotated[str, typer.Argument(help="Version id (or dataset name for its newest version).")],
    near_dup_threshold: Annotated[
        float, typer.Option(help="MinHash Jaccard threshold for near-duplicates.")
    ] = 0.8,
    max_chars: Annotated[
        int, typer.Option(help="Texts longer than this are reported as overlong.", min=1)
    ] = 10_000,
    min_class_share: Annotated[float, typer.Option(help="Warn when a label's share is below this.")] = 0.05,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 on any warning, not only on leakage.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Run quality control on a version; write qc.json and the card's QC section.

    Exit codes: 0 no leakage; 1 leakage across splits (or any warning with --strict);
    2 error (e.g. unknown version).
    """
    from modops.data.qc import QCFailed
    from modops.data.store import get_store

    if not 0.0 < near_dup_threshold <= 1.0:
        raise InputError(f"--near-dup-threshold must be in (0, 1], got {near_dup_threshold}")
    store = get_store()
    v = store.get(version)
    with _steps("checking", total=5, quiet=as_json) as on_step:
        report = store.check(
            v.id,
            near_dup_threshold=near_dup_threshold,
            max_chars=max_chars,
            min_class_share=min_class_share,
            on_step=on_step,
        )
    if as_json:
        typer.echo(
            json.dumps(report.to_dict() | {"dataset": v.id}, indent=2, ensure_ascii=False, default=str)
        )
    else:
        _print_report(report, v.id)
        console.print(f"card written: {v.card_path}", highlight=False)
    if report.leakage:
        failed = ", ".join(c.title for c in report.checks if c.status == "fail")
        raise QCFailed(f"{v.id}: leakage across splits ({failed}); see the report and {v.card_path}")
    if strict and report.issues:
        raise QCFailed(f"{v.id}: {len(report.issues)} QC warning(s) and --strict was given")
