"""``modops moderate``: run the moderation pipeline on one text or a JSONL file."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from modops.commands._util import console, count_lines, progress, read_jsonl
from modops.errors import InputError

if TYPE_CHECKING:
    from modops.core import Decision
    from modops.moderator import Moderator

_ACTION_STYLE = {"allow": "green", "redact": "yellow", "review": "dark_orange", "block": "bold red"}


def build_moderator(detectors: list[str] | None = None) -> Moderator:
    """The same Moderator the service builds: registry champions (defaults registered on first use)."""
    from modops.config import get_settings
    from modops.serving.models import registry_factory

    if detectors:
        from modops import registry
        from modops.moderator import Moderator
        from modops.policy import load_policy

        registry.ensure_defaults_registered()
        return Moderator.from_registry(detectors=detectors, policy=load_policy(get_settings().policy))
    build, _ = registry_factory(get_settings())
    return build()


def decision_json(d: Decision) -> dict[str, Any]:
    from modops.serving.routes._common import decision_payload

    return decision_payload(d)


def _show(text: str, d: Decision) -> None:
    from rich.table import Table

    style = _ACTION_STYLE.get(d.action, "bold")
    console.print(f"action: [{style}]{d.action}[/]   flagged: {str(d.flagged).lower()}   policy: {d.policy}")
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    table.add_column("detector")
    table.add_column("version")
    table.add_column("action")
    table.add_column("severity")
    table.add_column("top scores")
    for name, r in d.results.items():
        top = sorted(r.scores.items(), key=lambda kv: -kv[1])[:4]
        table.add_row(
            name,
            r.version,
            f"[{_ACTION_STYLE.get(r.action, 'bold')}]{r.action}[/]",
            r.severity or "-",
            ", ".join(f"{k} {v:.2f}" for k, v in top) or "-",
        )
    console.print(table)
    spans = [f for f in d.findings if f.start is not None and f.end is not None]
    if spans:
        console.print("findings:")
        for f in spans:
            console.print(
                f"  {f.detector}.{f.label} {f.score:.2f} [{f.start}:{f.end}] {text[f.start : f.end]!r}",
                markup=False,
                highlight=False,
            )
    if d.substitutions:
        subs = ", ".join(f"{s['original']!r}->{s['replacement']!r}" for s in d.substitutions[:10])
        console.print(f"normalized: {d.normalized_text!r}  ({subs})", markup=False, highlight=False)
    if d.redacted_text is not None:
        console.print(f"redacted: {d.redacted_text}", markup=False, highlight=False)
    for note in d.notes:
        console.print(f"note: {note}", markup=False, highlight=False)
    timing = ", ".join(f"{k} {v:.1f}ms" for k, v in d.timings_ms.items())
    console.print(f"[dim]timings: {timing}[/]")


def _moderate_file(
    moderator: Moderator,
    path: Path,
    out: Path | None,
    field: str,
    batch_size: int,
    detectors: list[str] | None,
) -> int:
    total = count_lines(path) if path.is_file() else 0
    tmp: Path | None = None
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        # Write next to the target and rename at the end: a bad line never leaves half a file.
        tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    sink = tmp.open("w", encoding="utf-8") if tmp is not None else sys.stdout
    n = 0
    counts: dict[str, int] = {}
    try:
        with progress(transient=out is None) as bar:
            task = bar.add_task(f"moderating {path.name}", total=total)
            batch: list[tuple[int, dict[str, Any]]] = []

            def flush() -> None:
                nonlocal n
                decisions = moderator.moderate([obj[field] for _, obj in batch], detectors=detectors)
                for (lineno, obj), d in zip(batch, decisions, strict=True):
                    row: dict[str, Any] = {"line": lineno}
                    if "id" in obj:
                        row["id"] = obj["id"]
                    row.update(decision_json(d))
                    sink.write(json.dumps(row, ensure_ascii=False) + "\n")
                    counts[d.action] = counts.get(d.action, 0) + 1
                n += len(batch)
                bar.advance(task, len(batch))
                batch.clear()

            for lineno, obj in read_jsonl(path, field=field):
                batch.append((lineno, obj))
                if len(batch) >= batch_size:
                    flush()
            if batch:
                flush()
    except BaseException:
        if tmp is not None:
            sink.close()
            tmp.unlink(missing_ok=True)
        raise
    if tmp is not None and out is not None:
        sink.close()
        tmp.replace(out)
        summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "nothing"
        console.print(f"moderated {n} texts -> {out} ({summary})", highlight=False)
    return n


def moderate_cmd(
    text: Annotated[str | None, typer.Argument(help="Text to moderate (or use --file).")] = None,
    file: Annotated[
        Path | None, typer.Option("--file", "-f", help="JSONL input: one object per line.")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="JSONL output (default: stdout).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the decision as JSON.")] = False,
    detectors: Annotated[
        list[str] | None, typer.Option("--detector", "-d", help="Run only this detector (repeatable).")
    ] = None,
    field: Annotated[str, typer.Option(help="Text field of each JSONL object.")] = "text",
    batch_size: Annotated[int, typer.Option(help="Texts per pipeline call for --file.")] = 64,
) -> None:
    """Moderate a text (pretty or --json) or a JSONL file (--file in.jsonl --out out.jsonl)."""
    if text is not None and file is not None:
        raise InputError("give either a text or --file, not both")
    if text is None and file is None:
        raise InputError('nothing to moderate: give a text (modops moderate "...") or --file in.jsonl')
    if out is not None and file is None:
        raise InputError("--out needs --file")
    if batch_size < 1:
        raise InputError(f"invalid --batch-size {batch_size}: must be >= 1")
    if file is not None:
        if not file.exists():
            raise InputError(f"file not found: {file}")
        if out is not None and out.resolve() == file.resolve():
            raise InputError("--out must differ from --file")
    if text is not None and not text.strip():
        raise InputError("the text is empty")

    moderator = build_moderator(detectors)
    if detectors:
        moderator.select(detectors)  # unknown names fail before any work
    if file is not None:
        _moderate_file(moderator, file, out, field, batch_size, detectors)
        return
    assert text is not None
    (decision,) = moderator.moderate([text], detectors=detectors)
    if as_json:
        typer.echo(json.dumps(decision_json(decision), ensure_ascii=False, indent=2))
    else:
        _show(text, decision)


def register(app: typer.Typer) -> None:
    """Add the top-level ``modops moderate`` command."""
    app.command("moderate")(moderate_cmd)
