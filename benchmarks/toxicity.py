"""Toxicity benchmark: speed of both families and quality vs alt-profanity-check, same split, same run.

    .venv/bin/python benchmarks/toxicity.py [--quick] [--linear BUNDLE] [--minilm BUNDLE] [--dataset VERSION]
        [--only linear|minilm] [--ort-threads 1,2]

Measures, in one process (the peer in its own venv under ``.bench-venvs/``, created here on first
use because alt-profanity-check pins scikit-learn and joblib exactly):

* MiniLM fine-tuning speed: seconds per optimizer step (batch 16, max_len 64, the bundle's layer
  count) → projected minutes for the shipped config, plus the wall time recorded in each bundle;
* ONNX int8 MiniLM: batched throughput (texts/s, batch 64) and single-text latency (p50/p95 ms) for
  each onnxruntime thread count in ``--ort-threads`` (``MODOPS_ORT_THREADS``); the headline batched
  figure uses the largest count (a batch job owns the cores), the headline latency uses 1 thread;
* linear: batched throughput (texts/s);
* the peer's throughput on the same texts (ratios are ours / peer);
* quality on the test split: severity macro-F1 (95% CI) for each model and the peer (peer severity
  cut-offs tuned on validation), plus the robustness drop.

Bundles default to the newest ``toxicity-linear-*`` / ``toxicity-minilm-*`` under
``$MODOPS_HOME/artifacts/toxicity/`` and the shipped default. Writes ``benchmarks/results/toxicity.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "toxicity.json"
PEER_VENV = ROOT / ".bench-venvs" / "alt-profanity-check"


def newest_bundle(family: str) -> Path | None:
    from modops.config import get_settings
    from modops.detectors.bundle import default_bundle_path, read_bundle

    root = get_settings().resolved_home / "artifacts" / "toxicity"
    found = sorted(root.glob(f"toxicity-{family}-*/detector.json")) if root.is_dir() else []
    if found:
        return found[-1].parent
    default = default_bundle_path("toxicity")
    if default is not None and read_bundle(default).family == family:
        return default
    return None


def step_time(n_steps: int, threads: int, num_layers: int = 6, ffn_dim: int | None = None) -> float:
    """Seconds per MiniLM optimizer step (batch 16, max_len 64, the bundle's shape) on real-length tweets."""
    import torch

    from modops.training.text_minilm import load_base, prune_ffn

    if threads:
        torch.set_num_threads(threads)
    model, tok = load_base(4, num_layers)
    texts = ["@user this is a tweet of fairly ordinary length, with a few words and an emoji 😂 lol"] * 16
    if ffn_dim:
        prune_ffn(model, tok, texts, ffn_dim, 64)
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-5)
    enc = tok(texts, truncation=True, max_length=64, padding=True, return_tensors="pt")
    times = []
    for i in range(n_steps + 1):
        t = time.perf_counter()
        model(**enc).logits.sum().backward()
        opt.step()
        opt.zero_grad()
        if i:  # the first step pays one-off allocation costs
            times.append(time.perf_counter() - t)
    return statistics.median(times)


def throughput(fn: Any, texts: list[str], batch: int) -> float:
    fn(texts[:batch])  # warm-up
    t = time.perf_counter()
    for i in range(0, len(texts), batch):
        fn(texts[i : i + batch])
    return len(texts) / (time.perf_counter() - t)


def latency_ms(fn: Any, texts: list[str]) -> dict[str, float]:
    fn([texts[0]])
    lat = []
    for t in texts:
        s = time.perf_counter()
        fn([t])
        lat.append((time.perf_counter() - s) * 1000)
    return {"p50": float(np.percentile(lat, 50)), "p95": float(np.percentile(lat, 95)), "n": len(lat)}


def _with_ort_threads(bundle: Path, n: int, build: Any) -> Any:
    """A detector whose ONNX session uses ``n`` intra-op threads (restores ``MODOPS_ORT_THREADS``)."""
    old = os.environ.get("MODOPS_ORT_THREADS")
    os.environ["MODOPS_ORT_THREADS"] = str(n)
    try:
        return build(bundle)
    finally:
        if old is None:
            os.environ.pop("MODOPS_ORT_THREADS", None)
        else:
            os.environ["MODOPS_ORT_THREADS"] = old


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small smoke run")
    ap.add_argument("--linear", type=Path, default=None)
    ap.add_argument("--minilm", type=Path, default=None)
    ap.add_argument("--dataset", default=None, help="dataset version (default: the models' own)")
    ap.add_argument("--threads", type=int, default=0, help="torch threads for the step-time probe (0 = all)")
    ap.add_argument("--only", choices=["linear", "minilm"], default=None, help="benchmark one family only")
    ap.add_argument(
        "--ort-threads", default="1,2", help="onnxruntime intra-op thread counts to measure MiniLM with"
    )
    args = ap.parse_args()
    ort_threads = sorted({int(x) for x in args.ort_threads.split(",")})
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    from modops.data.store import get_store
    from modops.data.toxicity import load_frame
    from modops.detectors.toxicity import from_bundle
    from modops.evaluation.metrics import multiclass_report
    from modops.evaluation.toxicity import _sev, peer_scores, score_texts, tune_single_cutoffs
    from modops.normalize import get_normalizer

    n_boot = 100 if args.quick else 1000
    bundles: dict[str, Path | None] = {
        "linear": args.linear or newest_bundle("linear"),
        "minilm": args.minilm or newest_bundle("minilm"),
    }
    if args.only:
        bundles = {args.only: bundles[args.only]}
    found = {k: v for k, v in bundles.items() if v is not None}
    dets = {k: from_bundle(v) for k, v in found.items()}
    if not dets:
        print("error: no toxicity bundle found; run `modops train toxicity` first", file=sys.stderr)
        return 2
    any_det = next(iter(dets.values()))
    ref = args.dataset or any_det.meta.dataset_version
    store = get_store()
    version = store.get(ref) if ref and store.exists(ref) else store.get("toxicity")
    for family, det in dets.items():
        if det.meta.dataset_version != version.id:
            # another version's test rows may sit in this model's training split: its F1 is not comparable
            print(
                f"warning: {family} was trained on {det.meta.dataset_version}, benchmarked on {version.id}",
                file=sys.stderr,
            )
    test = load_frame(version, "test")
    val = load_frame(version, "validation")
    if args.quick:
        test = test.sample(n=min(400, len(test)), random_state=0).reset_index(drop=True)
        val = val.sample(n=min(400, len(val)), random_state=0).reset_index(drop=True)
    texts = test["text"].tolist()
    sev_true = _sev(test["harm"].to_numpy(), (0.2, 0.5, 0.8))
    groups = test["group"].to_numpy()
    result: dict[str, Any] = {
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
        "dataset_version": version.id,
        "test_rows": len(test),
        "quick": args.quick,
        "models": {},
    }

    # peer first: quality + speed on the same texts
    t = time.perf_counter()
    peer_prob, peer_s = peer_scores(texts, PEER_VENV)
    val_prob, _ = peer_scores(val["text"].tolist(), PEER_VENV)
    cut = tune_single_cutoffs(val_prob, _sev(val["harm"].to_numpy(), (0.2, 0.5, 0.8)))
    peer_rep = multiclass_report(sev_true, _sev(peer_prob, cut), ["safe", "ph", "h", "eh"], n_boot, 0, groups)
    result["peer"] = {
        "name": "alt-profanity-check 1.9.1 (own venv)",
        "macro_f1": peer_rep["macro_f1"],
        "cutoffs_tuned_on_validation": cut,
        "texts_per_s": len(texts) / peer_s,
        "setup_and_scoring_s": time.perf_counter() - t,
    }
    print(
        f"peer alt-profanity-check: macro-F1 {peer_rep['macro_f1']['value']:.4f} "
        f"[{peer_rep['macro_f1']['ci_low']:.4f}, {peer_rep['macro_f1']['ci_high']:.4f}], "
        f"{len(texts) / peer_s:,.0f} texts/s"
    )

    norm = get_normalizer()
    normalized = [norm.normalize(x).normalized for x in texts]
    speed_texts = (normalized * (1 + 2000 // max(1, len(normalized))))[: 500 if args.quick else 5000]
    for family, det in dets.items():
        probs = score_texts(det, texts)
        rep = multiclass_report(
            sev_true, _sev(det.harm(probs), det.bounds), ["safe", "ph", "h", "eh"], n_boot, 0, groups
        )
        row: dict[str, Any] = {
            "bundle": str(found[family]),
            "version": det.version,
            "trained_on_dataset": det.meta.dataset_version,
            "macro_f1": rep["macro_f1"],
            "macro_f1_points_above_peer": round(
                100 * (rep["macro_f1"]["value"] - peer_rep["macro_f1"]["value"]), 2
            ),
            "train_seconds_recorded": det.meta.metrics.get("train_seconds"),
            "bundle_bytes": sum(p.stat().st_size for p in found[family].iterdir() if p.is_file()),
        }
        batch = 64
        n_lat = 100 if args.quick else 500
        if family == "minilm":
            # one detector per onnxruntime thread count: the scorer reads MODOPS_ORT_THREADS when built
            row["num_layers"] = int(det.meta.training_config.get("num_layers", 6))
            row["ffn_dim"] = det.meta.training_config.get("ffn_dim")  # None: all 1536 FFN neurons
            row["by_ort_threads"] = {}
            for n in ort_threads:
                d = _with_ort_threads(found[family], n, from_bundle)
                row["by_ort_threads"][str(n)] = {
                    "model_texts_per_s": throughput(d.predict_proba, speed_texts, batch),
                    "analyze_texts_per_s": throughput(d.analyze, (texts * 3)[: len(speed_texts)], batch),
                    "single_text_latency_ms": latency_ms(d.analyze, texts[:n_lat]),
                }
                print(f"  minilm, {n} ORT thread(s): {row['by_ort_threads'][str(n)]}")
            batch_t, single_t = str(ort_threads[-1]), str(ort_threads[0])
            row["ort_threads"] = {"batched": int(batch_t), "single": int(single_t)}
            row["model_texts_per_s"] = row["by_ort_threads"][batch_t]["model_texts_per_s"]
            row["analyze_texts_per_s"] = row["by_ort_threads"][batch_t]["analyze_texts_per_s"]
            row["single_text_latency_ms"] = row["by_ort_threads"][single_t]["single_text_latency_ms"]
        else:
            row["model_texts_per_s"] = throughput(det.predict_proba, speed_texts, batch)
            row["analyze_texts_per_s"] = throughput(det.analyze, (texts * 3)[: len(speed_texts)], batch)
            row["single_text_latency_ms"] = latency_ms(det.analyze, texts[:n_lat])
        row["throughput_ratio_vs_peer"] = row["model_texts_per_s"] / result["peer"]["texts_per_s"]
        result["models"][family] = row
        print(
            f"{family}: macro-F1 {rep['macro_f1']['value']:.4f} [{rep['macro_f1']['ci_low']:.4f}, "
            f"{rep['macro_f1']['ci_high']:.4f}] ({row['macro_f1_points_above_peer']:+.2f} pts vs peer); "
            f"model {row['model_texts_per_s']:,.0f} texts/s, analyze() {row['analyze_texts_per_s']:,.0f} texts/s, "
            f"single p50 {row['single_text_latency_ms']['p50']:.2f} ms; {row['throughput_ratio_vs_peer']:.2f}x peer"
        )

    if "minilm" in dets:
        cfg = dets["minilm"].meta.training_config
        st = step_time(
            3 if args.quick else 10, args.threads, int(cfg.get("num_layers", 6)), cfg.get("ffn_dim")
        )
        steps = int(
            np.ceil((cfg.get("max_train_rows") or 0) / cfg.get("batch_size", 16)) * cfg.get("epochs", 1)
        )
        result["minilm_training"] = {
            "seconds_per_step_b16_len64": st,
            "shipped_config_steps": steps,
            "projected_minutes": steps * st / 60,
            "recorded_train_seconds": dets["minilm"].meta.metrics.get("train_seconds"),
            "threads": args.threads or os.cpu_count(),
            "num_layers": int(cfg.get("num_layers", 6)),
            "ffn_dim": cfg.get("ffn_dim"),
        }
        print(
            f"minilm training: {st:.3f} s/step → {steps} steps ≈ {steps * st / 60:.1f} min "
            f"(recorded {dets['minilm'].meta.metrics.get('train_seconds')} s)"
        )
    if "linear" in dets and "minilm" in dets:
        result["linear_vs_minilm_throughput"] = (
            result["models"]["linear"]["model_texts_per_s"] / result["models"]["minilm"]["model_texts_per_s"]
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, default=float) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
