"""PII throughput and quality: modops' shipped pii detector vs presidio + spaCy, same docs, same run.

    .venv/bin/python benchmarks/pii.py [--quick] [--docs N] [--carrier blog|faker]

Prints docs/s for each system, the speed ratio, and micro entity F1 (overlap) so the ratio is read
at equal-or-better quality; writes benchmarks/results/pii.json. Needs presidio (`modops[bench]`).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "pii.json"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small smoke run (100 docs)")
    ap.add_argument("--docs", type=int, default=600)
    ap.add_argument("--carrier", choices=("blog", "faker"), default="blog")
    ap.add_argument("--repeats", type=int, default=2, help="timed passes per system (best is kept)")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args()
    n = 100 if args.quick else args.docs

    from modops.data.pii_synth import SynthConfig, generate
    from modops.detectors.pii import PIIDetector, from_bundle, recognizer_bundle_meta
    from modops.evaluation.pii import (
        _prf,
        filter_preds,
        match_counts,
        presidio_analyzer,
        run_modops,
        run_presidio,
    )

    carrier = args.carrier
    if carrier == "blog":
        from modops.config import get_settings

        if not (get_settings().resolved_data_dir / "blog_authorship_sample").is_dir():
            print("blog dataset not found; using the faker carrier")
            carrier = "faker"
    vetter = PIIDetector(recognizer_bundle_meta()) if carrier == "blog" else None
    df, _ = generate(SynthConfig(n_docs=n, carrier=carrier, seed=123), detector=vetter)
    texts = df["text"].tolist()
    gold = [json.loads(e) for e in df["entities"]]

    def micro_f1(preds: list) -> float:  # type: ignore[type-arg]
        import numpy as np

        tot = np.sum(list(match_counts(texts, gold, preds, mode="overlap").values()), axis=0)
        return float(round(_prf(tot[:, 0].sum(), tot[:, 1].sum(), tot[:, 2].sum())[2], 4))

    systems = {}
    det = from_bundle(None)
    det.analyze(texts[:4])  # warm-up
    best = min((run_modops(det, texts) for _ in range(args.repeats)), key=lambda o: o.seconds)
    systems["modops"] = {"version": det.version, "seconds": best.seconds, "f1_overlap": micro_f1(best.preds)}
    analyzer = presidio_analyzer("spacy")
    analyzer.analyze(text="warm up John Smith", language="en")
    pbest = min(
        (run_presidio(analyzer, texts, "presidio+spacy") for _ in range(args.repeats)),
        key=lambda o: o.seconds,
    )
    systems["presidio_spacy"] = {
        "version": "presidio-analyzer + en_core_web_sm",
        "seconds": pbest.seconds,
        "f1_overlap": micro_f1(filter_preds(pbest, 0.5).preds),
    }
    chars = sum(len(t) for t in texts)
    for s in systems.values():
        s["docs_per_s"] = round(n / s["seconds"], 2)
        s["chars_per_s"] = round(chars / s["seconds"], 1)
        s["seconds"] = round(s["seconds"], 3)
    ratio = round(systems["modops"]["docs_per_s"] / systems["presidio_spacy"]["docs_per_s"], 2)
    result = {
        "benchmark": "pii",
        "quick": args.quick,
        "docs": n,
        "carrier": carrier,
        "mean_chars": round(chars / n, 1),
        "systems": systems,
        "throughput_ratio_vs_presidio_spacy": ratio,
        "f1_at_least_peer": bool(systems["modops"]["f1_overlap"] >= systems["presidio_spacy"]["f1_overlap"]),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    for name, s in systems.items():
        print(
            f"{name:<16} {s['docs_per_s']:>8.1f} docs/s  {s['chars_per_s']:>10.0f} chars/s  F1(overlap) {s['f1_overlap']:.3f}"
        )
    print(
        f"throughput ratio modops / presidio+spaCy: {ratio:.2f}x at F1 {systems['modops']['f1_overlap']:.3f} vs "
        f"{systems['presidio_spacy']['f1_overlap']:.3f}  -> {args.out}"
    )


if __name__ == "__main__":
    main()
