"""The shared Typer groups. Area modules add their commands to these."""

from __future__ import annotations

import typer

data_app = typer.Typer(
    help="Dataset store: import, list, show, split, check, generate.", no_args_is_help=True
)
data_generate_app = typer.Typer(help="Generate synthetic datasets.", no_args_is_help=True)
data_app.add_typer(data_generate_app, name="generate")
data_build_app = typer.Typer(
    help="Build a detector's training dataset from the shared public sets.", no_args_is_help=True
)
data_app.add_typer(data_build_app, name="build")
registry_app = typer.Typer(
    help="MLflow model registry: list, describe, promote, rollback.", no_args_is_help=True
)
train_app = typer.Typer(help="Train a detector model (logged to MLflow).", no_args_is_help=True)
eval_app = typer.Typer(
    help="Evaluate a detector or the normalizer; writes JSON + HTML reports.", no_args_is_help=True
)
