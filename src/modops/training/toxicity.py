"""Train the toxicity detector (``modops train toxicity --model linear|minilm``).

Flow: dataset version (built on demand) → normalize every text with the normalizer →
fit the family on train → tune the three severity cut-offs on validation (never test) →
write the bundle + model card → evaluate on test → log to MLflow → register it as
``modops-toxicity`` when its validation macro-F1 beats every registered version.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from modops.detectors.toxicity import CATEGORIES, DEFAULT_BOUNDS, HEADS, SEVERITIES, harm_from_cumulative
from modops.errors import InputError

DETECTOR = "toxicity"
Step = Callable[[str], None]


@dataclass
class TrainOptions:
    """What ``modops train toxicity`` was asked to do."""

    model: str = "linear"
    dataset: str | None = None
    epochs: float = 1.0
    max_train_rows: int | None = None
    max_length: int = 96
    batch_size: int = 16
    learning_rate: float = 5e-5
    num_layers: int = 6  # MiniLM: keep the first N of its 6 transformer layers
    ffn_dim: int = 768  # MiniLM: FFN neurons kept per layer (0 = all 1536; see text_minilm.prune_ffn)
    seed: int = 0
    register: bool | None = None  # None: register only if it beats the registered versions
    out_dir: Path | None = None
    n_boot: int = 500
    evaluate_test: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class TrainResult:
    bundle_dir: Path
    metrics: dict[str, Any]
    run_id: str | None
    model_version: str | None
    registered: bool
    dataset_version: str
    train_seconds: float


def _noop(_: str) -> None:
    return None


# ----------------------------------------------------------------------------- data helpers
def targets(df: pd.DataFrame) -> np.ndarray:
    """Training targets ``(n, 4)``: three cumulative severity labels and identity_attack (NaN = unknown)."""
    harm = df["harm"].to_numpy(dtype=float)
    cols = [(harm >= b).astype(float) for b in DEFAULT_BOUNDS]
    ident = pd.to_numeric(df.get("identity_attack"), errors="coerce")
    cols.append(np.asarray(ident if ident is not None else np.full(len(df), np.nan), dtype=float))
    return np.column_stack(cols)


def severity_index(harm: np.ndarray, bounds: tuple[float, float, float] = DEFAULT_BOUNDS) -> np.ndarray:
    h = np.asarray(harm, dtype=float)
    return (h >= bounds[0]).astype(int) + (h >= bounds[1]) + (h >= bounds[2])


def normalizer_info() -> tuple[Callable[[list[str]], list[str]], str | None]:
    """A batch normalize function and the normalizer's version (None when no normalizer exists)."""
    try:
        from modops.normalize import get_normalizer
    except ImportError:
        return (lambda texts: list(texts)), None
    norm = get_normalizer()

    def run(texts: list[str]) -> list[str]:
        return [norm.normalize(t).normalized for t in texts]

    return run, str(getattr(norm, "version", "unknown"))


def load_dataset(ref: str | None, step: Step = _noop) -> tuple[Any, pd.DataFrame]:
    """The dataset version ``ref`` (default: the newest ``toxicity`` version, built if none) and its rows."""
    from modops.data.store import get_store
    from modops.data.toxicity import DATASET_NAME, build_dataset, load_frame

    store = get_store()
    if ref is None:
        versions = store.list(DATASET_NAME)
        if versions:
            version = versions[-1]
        else:
            step("building the toxicity dataset (first run)")
            version = build_dataset(on_step=step)
    else:
        version = store.get(ref)
    return version, load_frame(version)


# ----------------------------------------------------------------------------- selection helpers
def tune_cutoffs(
    cum: np.ndarray, sev_true: np.ndarray, grid: np.ndarray | None = None
) -> tuple[float, float, float]:
    """Cut-offs for the three cumulative heads that maximise validation macro-F1 (coordinate ascent)."""
    from modops.evaluation.metrics import macro_f1

    grid = grid if grid is not None else np.round(np.arange(0.1, 0.91, 0.025), 3)
    cut = [0.5, 0.5, 0.5]

    def score(c: list[float]) -> float:
        pred = severity_index(harm_from_cumulative(cum, c))
        return macro_f1(sev_true, pred, len(SEVERITIES))

    best = score(cut)
    for _ in range(3):
        improved = False
        for j in range(3):
            for g in grid:
                trial = [*cut]
                trial[j] = float(g)
                s = score(trial)
                if s > best + 1e-9:
                    best, cut, improved = s, trial, True
        if not improved:
            break
    return (cut[0], cut[1], cut[2])


def split_metrics(
    probs: np.ndarray, df: pd.DataFrame, cutoffs: tuple[float, float, float], n_boot: int = 500, seed: int = 0
) -> dict[str, Any]:
    """Headline metrics of one split (each with a bootstrap 95% CI, resampling groups)."""
    from modops.evaluation.metrics import binary_report, multiclass_report

    harm_true = df["harm"].to_numpy(dtype=float)
    sev_true = severity_index(harm_true)
    harm_pred = harm_from_cumulative(probs[:, :3], cutoffs)
    groups = df["group"].to_numpy() if "group" in df.columns else None
    out: dict[str, Any] = {
        "severity": multiclass_report(sev_true, severity_index(harm_pred), SEVERITIES, n_boot, seed, groups),
        "harmful": binary_report(harm_true >= DEFAULT_BOUNDS[1], probs[:, 1], n_boot, seed, groups),
    }
    ident = pd.to_numeric(df.get("identity_attack"), errors="coerce").to_numpy(dtype=float)
    known = ~np.isnan(ident)
    for j, cat in enumerate(CATEGORIES, start=3):
        if known.sum() > 10:
            g = groups[known] if groups is not None else None
            out[cat] = binary_report(ident[known] >= 0.5, probs[known, j], n_boot, seed, g)
    return out


def headline(metrics: dict[str, Any]) -> dict[str, float]:
    """Flat numbers for MLflow and the CLI summary."""
    flat: dict[str, float] = {}
    for split, m in metrics.items():
        if not isinstance(m, dict) or "severity" not in m:
            continue
        flat[f"{split}_macro_f1"] = m["severity"]["macro_f1"]["value"]
        flat[f"{split}_roc_auc"] = m["harmful"]["roc_auc"]["value"]
        flat[f"{split}_pr_auc"] = m["harmful"]["pr_auc"]["value"]
        flat[f"{split}_ece"] = m["harmful"]["ece"]["value"]
        for cat in CATEGORIES:
            if cat in m:
                flat[f"{split}_{cat}_roc_auc"] = m[cat]["roc_auc"]["value"]
    return flat


# ----------------------------------------------------------------------------- the trainer
def train(opts: TrainOptions, step: Step = _noop) -> TrainResult:
    """Train one family end to end; see the module docstring."""
    from modops.config import get_settings
    from modops.detectors.bundle import BundleMeta, write_bundle

    if opts.model not in ("linear", "minilm"):
        raise InputError(f"unknown model family {opts.model!r}; use linear or minilm")
    if opts.max_train_rows is not None and opts.max_train_rows < 50:
        raise InputError("--max-train-rows must be at least 50")
    if opts.epochs <= 0:
        raise InputError("--epochs must be positive")
    step("loading the dataset")
    version, df = load_dataset(opts.dataset, step)
    df = df[df["text"].notna()].reset_index(drop=True)
    train_df = df[df["split"] == "train"]
    val_df = df[df["split"] == "validation"].reset_index(drop=True)
    test_df = df[df["split"] == "test"].reset_index(drop=True)
    if len(train_df) == 0 or len(val_df) == 0:
        raise InputError(f"dataset {version.id} needs train and validation rows")
    if opts.max_train_rows and len(train_df) > opts.max_train_rows:
        # stratified cap, so rare severities survive small caps
        frac = opts.max_train_rows / len(train_df)
        train_df = train_df.groupby("severity", group_keys=False).sample(frac=frac, random_state=opts.seed)
    train_df = train_df.reset_index(drop=True)

    normalize, norm_version = normalizer_info()
    step(f"normalizing {len(train_df) + len(val_df) + len(test_df)} texts")
    x_train = normalize(train_df["text"].tolist())
    x_val = normalize(val_df["text"].tolist())
    y_train = targets(train_df)

    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    model_version = f"toxicity-{opts.model}-{stamp}"
    out = (
        Path(opts.out_dir)
        if opts.out_dir
        else get_settings().resolved_home / "artifacts" / DETECTOR / model_version
    )
    if out.exists() and any(out.iterdir()):
        raise InputError(f"output folder {out} is not empty")
    out.mkdir(parents=True, exist_ok=True)

    t0 = time.perf_counter()
    if opts.model == "linear":
        from modops.training.text_linear import LinearConfig, fit_linear, predict_linear, save_linear

        cfg = LinearConfig(**{k: v for k, v in opts.extra.items() if k in LinearConfig.__dataclass_fields__})
        step(f"fitting TF-IDF + logistic heads on {len(x_train)} rows")
        weight = np.ones(len(train_df))
        if cfg.identity_weight != 1.0:  # up-weight the counterfactual identity mentions (bias)
            ident = (train_df["source"] == "lookalike") & (train_df["identity_attack"] == 0)
            weight[ident.to_numpy()] = cfg.identity_weight
        model = fit_linear(x_train, y_train, cfg, sample_weight=weight)
        train_seconds = time.perf_counter() - t0
        files = save_linear(model, out)
        config: dict[str, Any] = cfg.to_dict()

        def predict(texts: list[str]) -> np.ndarray:
            return predict_linear(model, texts)

        extra_metrics: dict[str, Any] = {}
    else:
        from modops.training.text_minilm import MiniLMConfig, export_onnx, fine_tune

        mcfg = MiniLMConfig(
            epochs=opts.epochs,
            max_length=opts.max_length,
            batch_size=opts.batch_size,
            learning_rate=opts.learning_rate,
            seed=opts.seed,
            threads=int(opts.extra.get("threads", 0)),
            num_layers=opts.num_layers,
            ffn_dim=opts.ffn_dim or None,
        )
        step(
            f"fine-tuning MiniLM ({mcfg.num_layers} layers, FFN {mcfg.ffn_dim or 'all'}) on {len(x_train)} rows"
        )
        torch_model, tokenizer = fine_tune(x_train, y_train, mcfg, step)
        train_seconds = time.perf_counter() - t0
        step("exporting to ONNX (int8) and checking parity")
        files, parity = export_onnx(torch_model, tokenizer, out, mcfg, sample_texts=x_val[:64])
        config = mcfg.to_dict() | {"onnx_parity": parity}
        extra_metrics = {"onnx_parity": parity}
        from modops.detectors.toxicity import _OnnxScorer

        scorer = _OnnxScorer(out, mcfg.max_length)

        def predict(texts: list[str]) -> np.ndarray:
            return scorer(texts)

    step("tuning severity cut-offs on validation")
    p_val = predict(x_val)
    cutoffs = tune_cutoffs(p_val[:, :3], severity_index(val_df["harm"].to_numpy()))
    metrics: dict[str, Any] = {"validation": split_metrics(p_val, val_df, cutoffs, opts.n_boot, opts.seed)}
    if opts.evaluate_test and len(test_df):
        step("scoring the test split")
        p_test = predict(normalize(test_df["text"].tolist()))
        metrics["test"] = split_metrics(p_test, test_df, cutoffs, opts.n_boot, opts.seed)
    metrics |= extra_metrics
    metrics["train_seconds"] = round(train_seconds, 2)
    metrics["rows"] = {"train": len(train_df), "validation": len(val_df), "test": len(test_df)}
    config |= {
        "max_train_rows": opts.max_train_rows,
        "seed": opts.seed,
        "heads": list(HEADS),
        "command": command_line(opts, version.id),
    }
    meta = BundleMeta(
        detector=DETECTOR,
        version=model_version,
        family=opts.model,
        labels=["toxicity", *CATEGORIES],
        label_map={"heads": list(HEADS), "severities": list(SEVERITIES), "score": "harm in [0, 1]"},
        normalizer_version=norm_version,
        thresholds={
            "cutoffs": list(cutoffs),
            "severity": dict(zip(SEVERITIES[1:], DEFAULT_BOUNDS, strict=True)),
        },
        training_config=config,
        dataset_version=version.id,
        files=files,
        metrics=metrics,
    )
    write_bundle(out, meta)
    (out / "MODEL_CARD.md").write_text(model_card(meta, version), encoding="utf-8")

    should_register = opts.register
    if should_register is None:
        should_register = beats_registered(
            metrics["validation"]["severity"]["macro_f1"]["value"], version.id, step
        )
    step("logging the run to MLflow" + (" and registering it" if should_register else ""))
    from modops import registry

    params = {k: v for k, v in config.items() if k != "onnx_parity"}
    info = registry.log_training_run(
        DETECTOR,
        out,
        params=params,
        metrics=headline(metrics) | {"train_seconds": train_seconds},
        dataset_version=version.id,
        register=bool(should_register),
    )
    if info.model_version is not None:
        registry.set_alias(DETECTOR, "challenger", info.model_version)
    return TrainResult(
        out, metrics, info.run_id, info.model_version, bool(should_register), version.id, train_seconds
    )


def beats_registered(val_macro_f1: float, dataset_version: str, step: Step = _noop) -> bool:
    """True when no registered version trained on the same dataset version has a higher validation macro-F1.

    Versions trained on another dataset version were validated on other rows, so they are not compared.
    """
    from modops import registry
    from modops.detectors.bundle import read_bundle
    from modops.errors import ModopsError

    rows = [r for r in registry.list_models() if r["detector"] == DETECTOR]
    if not rows or not rows[0].get("latest_version"):
        return True
    best = -1.0
    for v in range(1, int(rows[0]["latest_version"]) + 1):
        try:
            meta = read_bundle(registry.resolve_bundle(DETECTOR, str(v)))
        except ModopsError:
            continue
        if meta.dataset_version != dataset_version:
            continue
        try:
            best = max(best, float(meta.metrics["validation"]["severity"]["macro_f1"]["value"]))
        except (KeyError, TypeError, ValueError):
            continue
    step(
        f"best registered validation macro-F1 on {dataset_version}: {best:.4f}; this run: {val_macro_f1:.4f}"
    )
    return val_macro_f1 > best


def command_line(opts: TrainOptions, dataset_id: str) -> str:
    parts = ["modops train toxicity", f"--model {opts.model}", f"--dataset {dataset_id}"]
    if opts.model == "minilm":
        parts.append(
            f"--epochs {opts.epochs} --max-length {opts.max_length} --num-layers {opts.num_layers}"
            f" --ffn-dim {opts.ffn_dim}"
        )
    if opts.max_train_rows:
        parts.append(f"--max-train-rows {opts.max_train_rows}")
    return " ".join(parts)


# ----------------------------------------------------------------------------- model card
def _ci(m: dict[str, Any]) -> str:
    return f"{m['value']:.3f} [{m['ci_low']:.3f}, {m['ci_high']:.3f}]"


def model_card(meta: Any, version: Any) -> str:
    """Markdown model card: data, metrics with CIs, severity mapping, failure modes."""
    m = meta.metrics
    lines = [
        f"# Model card: toxicity `{meta.version}` ({meta.family})",
        "",
        "Harm score in [0, 1] with severity buckets safe < 0.2 ≤ potentially_harmful < 0.5 ≤ harmful < 0.8 ≤ "
        "extremely_harmful, plus an `identity_attack` probability.",
        "",
        "## How it was made",
        f"- Command: `{meta.training_config.get('command')}`",
        f"- Family: {meta.family}; config: `{json.dumps({k: v for k, v in meta.training_config.items() if k not in ('command', 'onnx_parity', 'heads')}, default=str)}`",
        f"- Normalizer version: `{meta.normalizer_version}` (texts normalized before training and at inference)",
        f"- Severity cut-offs tuned on validation: `{meta.thresholds.get('cutoffs')}`",
        f"- Training time: {m.get('train_seconds')} s on CPU",
        "",
        "## Data",
        f"- Dataset version `{meta.dataset_version}` (rows: {m.get('rows')}).",
        "- Davidson et al. 2017 (MIT), Ruddit (MIT), HatemojiBuild (CC-BY-4.0, Kirk et al. 2022 — attribution "
        "required), UCI SMS Spam Collection as benign everyday text (CC-BY-4.0, Almeida & Gómez Hidalgo "
        "2011 — attribution required), obfuscated variants made with the modops normalizer, and templated "
        "safe look-alikes.",
        "- Harm mapping: Davidson `(0.9·hate + 0.6·offensive)/votes`; Ruddit `clip(offensiveness, 0, 1)`; "
        "HatemojiBuild hateful 0.85 / not hateful 0 (0.5 if profane); SMS 0. See the dataset card.",
        "",
        "## Metrics (bootstrap 95% CIs over groups)",
        "",
        "| split | macro-F1 (severity) | ROC-AUC (harmful) | PR-AUC (harmful) | ECE (harmful) | identity_attack ROC-AUC |",
        "|---|---|---|---|---|---|",
    ]
    for split in ("validation", "test"):
        if split in m:
            s = m[split]
            ident = _ci(s["identity_attack"]["roc_auc"]) if "identity_attack" in s else "-"
            lines.append(
                f"| {split} | {_ci(s['severity']['macro_f1'])} | {_ci(s['harmful']['roc_auc'])} | "
                f"{_ci(s['harmful']['pr_auc'])} | {_ci(s['harmful']['ece'])} | {ident} |"
            )
    if "test" in m:
        lines += [
            "",
            "Per-class (test):",
            "",
            "| severity | support | precision | recall | F1 |",
            "|---|---|---|---|---|",
        ]
        for name, pc in m["test"]["severity"]["per_class"].items():
            lines.append(
                f"| {name} | {pc['support']} | {_ci(pc['precision'])} | {_ci(pc['recall'])} | {_ci(pc['f1'])} |"
            )
    if "onnx_parity" in m:
        lines += ["", f"ONNX parity vs torch: `{json.dumps(m['onnx_parity'])}`"]
    if "evaluation" in m:
        ev = m["evaluation"]
        lines += [
            "",
            "## Evaluation report (`modops eval toxicity`)",
            "",
            "```json",
            json.dumps(ev, indent=2),
            "```",
        ]
    lines += [
        "",
        "## Known failure modes",
        "- Trained mostly on 2010s tweets (Davidson) and Reddit (Ruddit): casual profanity scores as *harmful* "
        "even when friendly; reclaimed slurs and African-American English are over-flagged (a documented "
        "Davidson bias).",
        "- `potentially_harmful` is the hardest bucket (few, noisy examples from split rater votes).",
        "- Sarcasm, implicit hate without keywords and long context are weak spots; texts are scored on their "
        "first 10,000 normalized characters (MiniLM: first `max_length` tokens).",
        "- `identity_attack` is learned from Davidson hate votes and HatemojiBuild only: no labels for other "
        "categories (threat, sexual, self-harm) exist in the training data, so none are shipped.",
        "- Obfuscations the normalizer does not know are only partly covered by char n-grams.",
        "- Bias mitigation is counterfactual: templated neutral sentences mentioning identities (weighted "
        f"×{meta.training_config.get('identity_weight', 1.0)} in the linear family) teach that an identity word "
        "alone is not harm. The golden identity sentences of `modops eval toxicity` were used to find the "
        "problem; no template is a near-copy of one of them (word Jaccard < 0.6, checked in the tests). "
        "Identities, phrasings and languages outside the templates may still be over-flagged.",
    ]
    return "\n".join(lines) + "\n"
