"""``modops registry ...`` (list, describe, aliases, promote, rollback) and the top-level ``modops init``.

MLflow is imported lazily (inside the commands), so ``modops --help`` stays fast.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from modops.commands._util import console
from modops.commands.groups import registry_app

_JSON = typer.Option("--json", help="Print JSON instead of a table.")
_DETECTOR = typer.Argument(help="Detector name, e.g. toxicity (or the model name modops-toxicity).")


def _print_json(payload: Any) -> None:
    typer.echo(json.dumps(payload, indent=2, sort_keys=True, default=str))


def _aliases_text(aliases: dict[str, str]) -> str:
    return ", ".join(f"{a}={v}" for a, v in sorted(aliases.items())) or "-"


@registry_app.command("list")
def list_cmd(as_json: Annotated[bool, _JSON] = False) -> None:
    """List the registered modops models with their versions and aliases."""
    from modops import registry

    rows = registry.list_models()
    if as_json:
        _print_json(rows)
        return
    table = Table(title="modops models")
    for col in ("detector", "model", "versions", "latest", "champion", "challenger"):
        table.add_column(col, no_wrap=True)
    table.add_column("updated (UTC)", overflow="fold")
    for row in rows:
        table.add_row(
            row["detector"],
            row["name"],
            str(row["versions"]),
            row["latest_version"] or "-",
            row["aliases"].get("champion", "-"),
            row["aliases"].get("challenger", "-"),
            (row["updated"] or "-").replace("+00:00", ""),
        )
    console.print(table)
    if not rows:
        console.print("no models registered yet: run `modops init` to register the shipped defaults")


_SHOWN_METRICS = 4


@registry_app.command("describe")
def describe_cmd(detector: Annotated[str, _DETECTOR], as_json: Annotated[bool, _JSON] = False) -> None:
    """Show a model's versions (dataset, source-run metrics), aliases, tags and promotion history."""
    from modops import registry

    info = registry.describe(detector)
    if as_json:
        _print_json(info)
        return
    console.print(f"[bold]{info['name']}[/bold]  {info['description'] or ''}")
    console.print(f"aliases: {_aliases_text(info['aliases'])}")
    versions = Table(title="versions")
    for col in ("version", "aliases", "created", "bundle", "dataset", "git"):
        versions.add_column(col, overflow="fold")
    versions.add_column("metrics", overflow="fold")
    for v in info["versions"]:
        metrics = v["metrics"]
        shown = ", ".join(f"{k}={metrics[k]:.4g}" for k in sorted(metrics)[:_SHOWN_METRICS])
        if len(metrics) > _SHOWN_METRICS:
            shown += f", … (+{len(metrics) - _SHOWN_METRICS})"
        versions.add_row(
            v["version"],
            ",".join(v["aliases"]) or "-",
            (v["created"] or "-").replace("+00:00", ""),
            v["bundle_version"] or "-",
            v["dataset_version"] or "-",
            (v["git_sha"] or "-")[:10],
            shown or "-",
        )
    console.print(versions)
    if info["history"]:
        # One plain line per event: long reasons stay intact at any terminal width.
        typer.echo("promotion history:")
        for e in info["history"]:
            when = (e.get("timestamp") or "-").replace("+00:00", "Z")
            was = f" (was v{e['previous_version']})" if e.get("previous_version") else ""
            evaluation = f" eval_run={e['evaluation_run_id']}" if e.get("evaluation_run_id") else ""
            typer.echo(
                f"  #{e['seq']} {when} {e.get('action')} {e.get('alias')} -> v{e.get('version')}{was} "
                f"by {e.get('actor') or '-'}{evaluation}: {e.get('reason') or '-'}"
            )


@registry_app.command("aliases")
def aliases_cmd(detector: Annotated[str, _DETECTOR], as_json: Annotated[bool, _JSON] = False) -> None:
    """Show which version each alias (champion, challenger, ...) points at."""
    from modops import registry

    current = registry.aliases(detector)
    if as_json:
        _print_json(current)
        return
    for alias in ("champion", "challenger", *sorted(set(current) - {"champion", "challenger"})):
        typer.echo(f"{alias}: {current.get(alias, '-')}")


def _describe_record(record: Any) -> str:
    name = f"modops-{record.detector}"
    was = f" (was {record.previous_version})" if record.previous_version else ""
    verb = "rolled back" if record.action == "rollback" else "promoted"
    line = f"{verb} {name} version {record.version} to {record.alias}{was}"
    if record.cleared_challenger:
        line += "; challenger alias cleared"
    return line


@registry_app.command("promote")
def promote_cmd(
    detector: Annotated[str, _DETECTOR],
    version: Annotated[str, typer.Argument(help="Model version to promote.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (recorded in the registry).")],
    alias: Annotated[str, typer.Option("--alias", help="champion or challenger.")] = "champion",
    eval_run: Annotated[
        str | None, typer.Option("--eval-run", help="MLflow run id of the evaluation that justifies it.")
    ] = None,
    actor: Annotated[str | None, typer.Option("--actor", help="Who promotes (default: the OS user).")] = None,
) -> None:
    """Point the champion (or challenger) alias at a version, recording reason, evaluation and actor."""
    from modops import registry

    record = registry.promote(
        detector, version, alias, reason=reason, evaluation_run_id=eval_run, actor=actor
    )
    typer.echo(_describe_record(record))


@registry_app.command("rollback")
def rollback_cmd(
    detector: Annotated[str, _DETECTOR],
    reason: Annotated[str, typer.Option("--reason", help="Why (recorded in the registry).")],
    to: Annotated[
        str | None, typer.Option("--to", help="Version to roll back to (default: the previous champion).")
    ] = None,
    actor: Annotated[
        str | None, typer.Option("--actor", help="Who rolls back (default: the OS user).")
    ] = None,
) -> None:
    """Move the champion back to the previous champion (or to --to VERSION), recording why."""
    from modops import registry

    record = registry.rollback(detector, to, reason=reason, actor=actor)
    typer.echo(_describe_record(record))


def init_cmd(
    defaults: Annotated[
        bool, typer.Option("--defaults/--no-defaults", help="Register the shipped default models.")
    ] = True,
) -> None:
    """Create MODOPS_HOME and the registry store, and register the shipped default models (idempotent)."""
    from modops import registry
    from modops.core import available_detectors
    from modops.detectors.bundle import default_bundle_path

    where = registry.init_store()
    typer.echo(f"home: {where['home']}")
    typer.echo(f"tracking: {where['tracking_uri']}")
    if where["registry_uri"] != where["tracking_uri"]:
        typer.echo(f"registry: {where['registry_uri']}")
    if not defaults:
        return
    shipped = [d for d in available_detectors() if default_bundle_path(d) is not None]
    if not shipped:
        typer.echo("no shipped default models in this build")
        return
    registered = registry.ensure_defaults_registered()
    champions = registry.champion_versions()
    for detector in shipped:
        if detector in registered:
            typer.echo(
                f"{detector}: registered shipped default as modops-{detector} v{registered[detector]} (champion)"
            )
        else:
            champ = champions.get(detector)
            state = f"champion v{champ}" if champ else "no champion"
            typer.echo(f"{detector}: already registered ({state})")


def register(app: typer.Typer) -> None:
    """Add the top-level ``modops init`` command."""
    app.command("init")(init_cmd)
