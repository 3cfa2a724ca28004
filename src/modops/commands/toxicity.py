"""CLI: ``modops data build toxicity``, ``modops train toxicity``, ``modops eval toxicity``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from modops.commands._util import console, err_console
from modops.commands.groups import data_build_app as build_app
from modops.commands.groups import eval_app, train_app
from modops.errors import InputError


@build_app.command("toxicity")
def build_toxicity(
    seed: Annotated[int, typer.Option(help="Seed for augmentation and the split.")] = 0,
    augment_frac: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Share of rows that get an obfuscated variant.")
    ] = 0.25,
    lookalikes: Annotated[int, typer.Option(min=0, help="Templated safe look-alike texts.")] = 3000,
) -> None:
    """Davidson + Ruddit + HatemojiBuild → harm score, augmentation, grouped split, QC, stored version."""
    from modops.data.toxicity import build_dataset

    with err_console.status("building the toxicity dataset") as status:
        version = build_dataset(
            seed=seed, augment_frac=augment_frac, n_lookalikes=lookalikes, on_step=lambda s: status.update(s)
        )
    qc = version.qc()
    console.print(f"dataset {version.id}: {version.rows} rows, splits {version.splits}")
    if qc is not None:
        console.print(
            f"QC: {'passed' if qc.passed else 'FAILED'}; leakage across splits: {'yes' if qc.leakage else 'none'}"
        )
    console.print(f"card: {version.card_path}")


@train_app.command("toxicity")
def train_toxicity(
    model: Annotated[str, typer.Option(help="Model family: linear or minilm.")] = "linear",
    dataset: Annotated[
        str | None, typer.Option(help="Dataset version (default: newest `toxicity`, built if none).")
    ] = None,
    epochs: Annotated[float, typer.Option(help="MiniLM epochs over the (capped) training rows.")] = 1.0,
    max_train_rows: Annotated[
        int | None, typer.Option(help="Cap on training rows (stratified by severity).")
    ] = None,
    max_length: Annotated[int, typer.Option(min=16, max=512, help="MiniLM max tokens.")] = 96,
    batch_size: Annotated[int, typer.Option(min=1, help="MiniLM batch size.")] = 16,
    lr: Annotated[float, typer.Option(help="MiniLM learning rate.")] = 5e-5,
    num_layers: Annotated[
        int, typer.Option(min=1, max=6, help="MiniLM: keep the first N of its 6 layers (fewer = faster).")
    ] = 6,
    ffn_dim: Annotated[
        int,
        typer.Option(
            min=0,
            max=1536,
            help="MiniLM: keep the N most active of each layer's 1536 FFN neurons (0 = all; >= 384).",
        ),
    ] = 768,
    seed: Annotated[int, typer.Option()] = 0,
    threads: Annotated[
        int,
        typer.Option(min=0, help="Torch threads for MiniLM (0 = all cores; 1 is faster on a busy machine)."),
    ] = 0,
    out: Annotated[
        Path | None, typer.Option(help="Write the bundle here (default under MODOPS_HOME).")
    ] = None,
    register: Annotated[
        bool | None,
        typer.Option(
            "--register/--no-register",
            help="Register as modops-toxicity (default: only if its validation macro-F1 beats every registered version).",
        ),
    ] = None,
    n_boot: Annotated[int, typer.Option(min=0, help="Bootstrap resamples for the CIs.")] = 500,
) -> None:
    """Train the toxicity detector (linear: TF-IDF + logistic; minilm: fine-tuned MiniLM → int8 ONNX)."""
    from modops.training.toxicity import TrainOptions, headline, train

    if model not in ("linear", "minilm"):
        raise InputError(f"unknown model family {model!r}; use linear or minilm")
    if 0 < ffn_dim < 384:
        raise InputError(f"invalid --ffn-dim {ffn_dim}: 0 (all neurons) or 384-1536")
    opts = TrainOptions(
        model=model,
        dataset=dataset,
        epochs=epochs,
        max_train_rows=max_train_rows,
        max_length=max_length,
        batch_size=batch_size,
        learning_rate=lr,
        num_layers=num_layers,
        ffn_dim=ffn_dim,
        seed=seed,
        out_dir=out,
        register=register,
        n_boot=n_boot,
        extra={"threads": threads},
    )
    with err_console.status(f"training toxicity/{model}") as status:
        res = train(opts, step=_stepper(status, f"toxicity/{model}"))
    flat = headline(res.metrics)
    console.print(f"bundle: {res.bundle_dir}")
    console.print(f"dataset: {res.dataset_version}; training time {res.train_seconds:.1f} s")
    for split in ("validation", "test"):
        if f"{split}_macro_f1" in flat:
            m = res.metrics[split]["severity"]["macro_f1"]
            console.print(
                f"{split}: macro-F1 {m['value']:.4f} [{m['ci_low']:.4f}, {m['ci_high']:.4f}]  "
                f"ROC-AUC {flat[f'{split}_roc_auc']:.4f}  PR-AUC {flat[f'{split}_pr_auc']:.4f}  ECE {flat[f'{split}_ece']:.4f}"
            )
    console.print(
        f"MLflow run {res.run_id}; "
        + (
            f"registered as modops-toxicity version {res.model_version} (alias challenger)"
            if res.registered
            else "not registered"
        )
    )


def _stepper(status: Any, prefix: str) -> Any:
    """Progress callback: a live status line on a terminal, timestamped log lines otherwise (CI, nohup)."""
    import time

    t0 = time.perf_counter()

    def step(msg: str) -> None:
        status.update(f"{prefix}: {msg}")
        if not err_console.is_terminal:
            err_console.print(f"[{time.perf_counter() - t0:7.1f}s] {prefix}: {msg}", highlight=False)

    return step


def _load_for_eval(model_uri: str | None, alias: str | None) -> Any:
    from modops.detectors.toxicity import ToxicityDetector, from_bundle

    if model_uri and alias:
        raise InputError("pass --model-uri or --alias, not both")
    if model_uri:
        path = Path(model_uri)
        if path.exists():
            return from_bundle(path)
        if model_uri.startswith("models:/"):
            from modops import registry

            ref = model_uri[len("models:/") :]
            name, _, version = ref.replace("@", "/").partition("/")
            if name not in ("modops-toxicity", "toxicity") or not version:
                raise InputError(
                    f"--model-uri {model_uri!r}: expected models:/modops-toxicity/<version|alias>"
                )
            return from_bundle(registry.resolve_bundle("toxicity", version))
        raise InputError(f"--model-uri {model_uri!r}: not a bundle folder or models:/ URI")
    if alias == "default":
        return from_bundle(None)
    from modops.detectors.loading import load_detector

    det = load_detector("toxicity", alias=alias or "champion")
    assert isinstance(det, ToxicityDetector)
    return det


@eval_app.command("toxicity")
def eval_toxicity(
    model_uri: Annotated[
        str | None, typer.Option(help="A bundle folder or models:/modops-toxicity/<version|alias>.")
    ] = None,
    alias: Annotated[
        str | None,
        typer.Option(help="Registry alias (champion, challenger) or 'default' for the shipped model."),
    ] = None,
    dataset: Annotated[str | None, typer.Option(help="Dataset version (default: the model's own).")] = None,
    out: Annotated[Path | None, typer.Option(help="Report folder (default: $MODOPS_HOME/reports).")] = None,
    peer: Annotated[
        bool, typer.Option("--peer/--no-peer", help="Run alt-profanity-check (own venv).")
    ] = True,
    n_boot: Annotated[int, typer.Option(min=0, help="Bootstrap resamples.")] = 1000,
    max_rows: Annotated[
        int | None, typer.Option(min=10, help="Evaluate a seeded sample of the test split.")
    ] = None,
    update_card: Annotated[
        bool,
        typer.Option(
            "--update-card", help="Write the results into the bundle's MODEL_CARD.md (--model-uri folder)."
        ),
    ] = False,
) -> None:
    """Evaluate on the held-out test split: metrics with CIs, robustness, bias, peer; JSON + HTML report."""
    from modops.config import get_settings
    from modops.data.store import get_store
    from modops.data.toxicity import DATASET_NAME, load_frame
    from modops.evaluation.report import write_report
    from modops.evaluation.toxicity import evaluate

    det = _load_for_eval(model_uri, alias)
    store = get_store()
    ref = dataset or det.meta.dataset_version
    if ref is None or not store.exists(ref):
        if dataset:
            version = store.get(dataset)
        elif store.list(DATASET_NAME):
            version = store.list(DATASET_NAME)[-1]
            err_console.print(f"model's dataset {ref} not in this store; using {version.id}")
        else:
            raise InputError("no toxicity dataset in the store; run `modops data build toxicity` first")
    else:
        version = store.get(ref)
    test = load_frame(version, "test")
    val = load_frame(version, "validation")
    if max_rows and len(test) > max_rows:
        test = test.sample(n=max_rows, random_state=0).reset_index(drop=True)
    with err_console.status("evaluating toxicity") as status:
        payload, figures, tables = evaluate(
            det, test, val, n_boot=n_boot, peer=peer, step=_stepper(status, "toxicity eval")
        )
    payload["dataset_version"] = version.id
    folder = out or get_settings().resolved_home / "reports"
    name = f"toxicity-{det.version}"
    json_path, html_path = write_report(
        folder, name, payload, figures, tables, title=f"toxicity: {det.version}"
    )
    sev = payload["severity"]["macro_f1"]
    console.print(f"model {det.version} on {version.id} test ({payload['rows']} rows)")
    console.print(f"macro-F1 {sev['value']:.4f} [{sev['ci_low']:.4f}, {sev['ci_high']:.4f}]")
    h = payload["harmful"]
    console.print(
        f"harmful: ROC-AUC {h['roc_auc']['value']:.4f}  PR-AUC {h['pr_auc']['value']:.4f}  ECE {h['ece']['value']:.4f}"
    )
    rob = payload["robustness"]
    console.print(
        "robustness drop (F1 points): "
        + ", ".join(f"{k} {v['drop_points']:.2f}" for k, v in rob["kinds"].items())
        + f"; max {rob['max_drop_points']:.2f}"
    )
    console.print(
        f"bias: {payload['bias']['safe_rate']:.0%} of {payload['bias']['n']} neutral identity sentences safe"
    )
    if payload.get("bias_holdout"):
        h = payload["bias_holdout"]
        console.print(f"bias, held-out list: {h['safe_rate']:.0%} of {h['n']} safe")
    if payload.get("vs_peer"):
        p = payload["peer"]["severity"]["macro_f1"]
        console.print(
            f"alt-profanity-check macro-F1 {p['value']:.4f} [{p['ci_low']:.4f}, {p['ci_high']:.4f}]; "
            f"ours is {payload['vs_peer']['macro_f1_points_above_peer']:+.2f} points"
        )
    elif payload.get("peer"):
        err_console.print(f"peer skipped: {payload['peer'].get('error')}")
    console.print(f"report: {json_path} and {html_path}")
    if update_card:
        from modops.evaluation.toxicity import update_card as _update

        if not model_uri or not Path(model_uri).is_dir():
            raise InputError("--update-card needs --model-uri pointing at a bundle folder")
        _update(Path(model_uri) / "MODEL_CARD.md", payload)
        console.print(f"updated {Path(model_uri) / 'MODEL_CARD.md'}")
