"""Evaluate a toxicity detector on the held-out test split (``modops eval toxicity``).

Measures severity macro-F1 and per-class P/R/F1, ROC-AUC/PR-AUC/ECE of the "harmful" decision and
of ``identity_attack`` (all with bootstrap 95% CIs over groups), the confusion matrix, robustness
to obfuscation (leet, separators, homoglyphs, algospeak), a bias check on neutral identity
sentences, and the ``alt-profanity-check`` peer on the same rows (run in its own venv because it
pins scikit-learn and joblib exactly).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from modops.detectors.toxicity import CATEGORIES, SEVERITIES, ToxicityDetector
from modops.errors import ModopsError

ROBUSTNESS_KINDS: tuple[str, ...] = ("leet", "separator", "homoglyph", "algospeak")
ROBUSTNESS_RATE = 0.3  # share of eligible words obfuscated (evaders obfuscate a few words, not all)
PEER_PACKAGE = "alt-profanity-check==1.9.1"

# Neutral sentences with identity mentions: every one must come out "safe" (bias check).
# Disjoint from the look-alike templates used in training (checked in tests).
GOLDEN_IDENTITY_SENTENCES: tuple[str, ...] = (
    "I am a gay man",
    "I am a Muslim woman",
    "I am a Black woman",
    "I am a trans woman",
    "I am a lesbian",
    "I am Jewish",
    "I am a proud Mexican American",
    "I am deaf",
    "I use a wheelchair",
    "I am a Christian",
    "I am an atheist",
    "I am a Hindu engineer",
    "I am bisexual",
    "I am a Sikh father of two",
    "I am an immigrant from Nigeria",
    "I am an Arab student",
    "I am Chinese American",
    "I am a Black gay man",
    "My wife and I are both women",
    "My brother is gay and married his husband last year",
    "Our new neighbours are a Muslim family from Syria",
    "She is a transgender teacher at my school",
    "He is an autistic software developer",
    "My grandmother is a Holocaust survivor",
    "The mosque down the street hosts a food bank",
    "The synagogue choir sang beautifully",
    "Being queer is part of who I am",
    "I am a disabled veteran",
    "My girlfriend is Korean",
    "We celebrated Diwali with our Hindu friends",
    "Asian women are well represented in our lab",
    "The Black student union organised a book fair",
    "As a Latina, I love my heritage",
    "My dad is an immigrant and a nurse",
    "I am non-binary and use they/them pronouns",
    "Gay people have the right to marry",
)
# A second list, written after the golden one had informed the identity templates of the training
# data (a failure on "Being queer is part of who I am"): it played no part in building or tuning
# anything, so it is the unbiased estimate. Reported next to the golden check, not gated.
HOLDOUT_IDENTITY_SENTENCES: tuple[str, ...] = (
    "My colleague is a trans woman who runs marathons",
    "Our rabbi gave a lovely talk on Saturday",
    "My aunt wears a hijab to work",
    "He is a gay dad of three",
    "I'm a lesbian and I play rugby",
    "The imam visited our school today",
    "Our new bandmate is non-binary and plays drums",
    "I am Jewish and I love baking challah",
    "Two dads picked up their daughter from school",
    "The deaf community centre opens on Monday",
    "I'm a Black woman in tech",
    "She is a Muslim doctor at the hospital",
    "My son is autistic and loves trains",
    "I'm an immigrant from Mexico and a small business owner",
    "Queer artists painted the mural downtown",
    "The Sikh temple offers free meals to everyone",
    "I'm bi and happily married",
    "My neighbour is a blind piano teacher",
    "As a gay teenager I found my people online",
    "Our Hindu neighbours invited us for dinner",
    "The Indigenous elders opened the ceremony",
    "I am a Palestinian student studying medicine",
    "My trans friend just started university",
    "Lesbian couples can adopt children here",
)
CLEAR_TOXIC: tuple[str, ...] = (
    "you are a worthless piece of shit",
    "shut up you stupid bitch",
    "fuck you, you fucking idiot",
    "go back to your country you dirty immigrant",
)
# Harmful without profanity or slurs: threats and stereotypes. The training data has few such
# examples, so these are reported (``hard_cases``) rather than asserted. See the model card.
HARD_CASES: tuple[str, ...] = (
    "I will find you and kill you",
    "all muslims are terrorists and should be deported",
    "women are too emotional to be leaders",
    "people like you should not be allowed to vote",
)
SAFE_LOOKALIKES: tuple[str, ...] = (
    "how do I kill a process in linux",
    "you killed it at work today",
    "this track is sick",
    "that concert was the bomb",
    "I'm dying of laughter",
    "let's shoot some photos this weekend",
)


def _bias_check(detector: Any, sentences: Sequence[str]) -> dict[str, Any]:
    """Severity of each neutral identity sentence: all of them should be ``safe``."""
    rows = []
    for text, fs in zip(sentences, detector.analyze(list(sentences)), strict=True):
        tox = next(f for f in fs if f.label == "toxicity")
        row = {"text": text, "toxicity": round(tox.score, 4), "severity": tox.explanation["severity"]}
        for f in fs:
            if f.label != "toxicity":
                row[f.label] = round(f.score, 4)
        rows.append(row)
    return {
        "n": len(rows),
        "safe_rate": float(np.mean([r["severity"] == "safe" for r in rows])),
        "failures": [r for r in rows if r["severity"] != "safe"],
        "max_toxicity": max(r["toxicity"] for r in rows),
        "identity_attack_over_0.5": [r["text"] for r in rows if r.get("identity_attack", 0) >= 0.5],
    }


def perturb(texts: Sequence[str], kind: str, seed: int = 0, rate: float = ROBUSTNESS_RATE) -> list[str]:
    """Obfuscate each text with the normalizer's inverse tables (texts without eligible words stay)."""
    from modops.normalize import obfuscate

    rng = random.Random(seed)
    out = []
    for t in texts:
        try:
            out.append(obfuscate(t, kind, rng, rate=rate))
        except (ValueError, KeyError, ModopsError):
            out.append(t)
    return out


def score_texts(detector: ToxicityDetector, texts: Sequence[str], batch: int = 512) -> np.ndarray:
    """Head probabilities for raw texts, normalized the way ``analyze`` normalizes them."""
    from modops.detectors.toxicity import _normalize

    rows = []
    for i in range(0, len(texts), batch):
        normed = [n.normalized for n in _normalize(list(texts[i : i + batch]))]
        rows.append(detector.predict_proba(normed))
    return np.concatenate(rows) if rows else np.zeros((0, 4))


# ----------------------------------------------------------------------------- peer
def peer_venv_dir(root: Path | None = None) -> Path:
    """Where the peer's venv lives: ``$MODOPS_PEER_VENV`` or ``<root or cwd>/.bench-venvs/alt-profanity-check``."""
    env = os.environ.get("MODOPS_PEER_VENV")
    if env:
        return Path(env)
    return (root or Path.cwd()) / ".bench-venvs" / "alt-profanity-check"


def ensure_peer_venv(venv: Path, create: bool = True) -> Path:
    """The peer venv's python, creating the venv and installing alt-profanity-check if needed."""
    py = venv / "bin" / "python"
    ok = (
        py.exists()
        and subprocess.run([str(py), "-c", "import profanity_check"], capture_output=True).returncode == 0
    )
    if ok:
        return py
    if not create:
        raise ModopsError(
            f"no alt-profanity-check venv at {venv}; run benchmarks/toxicity.py once to create it"
        )
    venv.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
    res = subprocess.run(
        [str(py), "-m", "pip", "install", "-q", PEER_PACKAGE], capture_output=True, text=True
    )
    if res.returncode != 0:
        raise ModopsError(
            f"cannot install {PEER_PACKAGE} into {venv}: {res.stderr.strip().splitlines()[-1:]}"
        )
    return py


_PEER_SCRIPT = """
import json, sys, time
from profanity_check import predict_prob
texts = json.load(open(sys.argv[1], encoding="utf-8"))
t = time.perf_counter()
p = predict_prob(texts).tolist()
json.dump({"prob": p, "seconds": time.perf_counter() - t}, open(sys.argv[2], "w"))
"""


def peer_scores(
    texts: Sequence[str], venv: Path | None = None, create: bool = True
) -> tuple[np.ndarray, float]:
    """alt-profanity-check probabilities for ``texts`` (and its scoring time), run in its own venv."""
    import tempfile

    py = ensure_peer_venv(venv or peer_venv_dir(), create)
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "in.json", Path(tmp) / "out.json"
        src.write_text(json.dumps(list(texts)), encoding="utf-8")
        res = subprocess.run(
            [str(py), "-c", _PEER_SCRIPT, str(src), str(dst)], capture_output=True, text=True
        )
        if res.returncode != 0:
            raise ModopsError(f"alt-profanity-check failed: {res.stderr.strip().splitlines()[-1:]}")
        out = json.loads(dst.read_text(encoding="utf-8"))
    return np.asarray(out["prob"], dtype=float), float(out["seconds"])


def tune_single_cutoffs(score: np.ndarray, sev_true: np.ndarray) -> tuple[float, float, float]:
    """Three increasing thresholds on a single score that maximise macro-F1 (used for the peer, on validation)."""
    from modops.evaluation.metrics import macro_f1

    qs = np.unique(np.quantile(score, np.linspace(0.02, 0.98, 49)))
    best, cut = -1.0, (0.2, 0.5, 0.8)
    for i, a in enumerate(qs):
        for j in range(i, len(qs)):
            b = qs[j]
            for c in qs[j:]:
                pred = (score >= a).astype(int) + (score >= b) + (score >= c)
                f = macro_f1(sev_true, pred, 4)
                if f > best:
                    best, cut = f, (float(a), float(b), float(c))
    return cut


# ----------------------------------------------------------------------------- evaluation
def _sev(harm: np.ndarray, bounds: Sequence[float]) -> np.ndarray:
    h = np.asarray(harm, dtype=float)
    return (h >= bounds[0]).astype(int) + (h >= bounds[1]) + (h >= bounds[2])


def evaluate(
    detector: ToxicityDetector,
    test: pd.DataFrame,
    validation: pd.DataFrame | None = None,
    *,
    n_boot: int = 1000,
    seed: int = 0,
    peer: bool = True,
    peer_venv: Path | None = None,
    kinds: Sequence[str] = ROBUSTNESS_KINDS,
    step: Callable[[str], None] = lambda _: None,
) -> tuple[dict[str, Any], dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """Evaluate ``detector`` on ``test``; returns (payload, figures, tables) for ``write_report``."""
    from modops.evaluation.metrics import (
        binary_report,
        expected_calibration_error,
        macro_f1,
        multiclass_report,
        reliability_curve,
    )

    bounds = detector.bounds
    texts = test["text"].tolist()
    harm_true = test["harm"].to_numpy(dtype=float)
    sev_true = _sev(harm_true, bounds)
    groups = test["group"].to_numpy() if "group" in test.columns else None
    y_harmful = harm_true >= bounds[1]

    step(f"scoring {len(texts)} test texts")
    probs = score_texts(detector, texts)
    harm = detector.harm(probs)
    sev_pred = _sev(harm, bounds)
    payload: dict[str, Any] = {
        "detector": "toxicity",
        "model": {
            "version": detector.version,
            "family": detector.family,
            "dataset_version": detector.meta.dataset_version,
        },
        "rows": len(test),
        "severity_bounds": list(bounds),
        "severity": multiclass_report(sev_true, sev_pred, SEVERITIES, n_boot, seed, groups),
        "harmful": binary_report(y_harmful, probs[:, 1], n_boot, seed, groups),
        "harm_score_ece": expected_calibration_error(harm_true, harm),
    }
    ident = pd.to_numeric(test.get("identity_attack"), errors="coerce").to_numpy(dtype=float)
    known = ~np.isnan(ident)
    categories: dict[str, Any] = {}
    for j, cat in enumerate(CATEGORIES, start=3):
        if cat in detector.labels and known.sum() > 10:
            g = groups[known] if groups is not None else None
            categories[cat] = binary_report(ident[known] >= 0.5, probs[known, j], n_boot, seed, g)
            categories[cat]["f1_at_0.5"] = float(
                macro_f1((ident[known] >= 0.5).astype(int), (probs[known, j] >= 0.5).astype(int), 2)
            )
    payload["categories"] = categories

    # robustness: same rows, obfuscated, normalized, scored
    clean_f1 = macro_f1(sev_true, sev_pred, 4)
    robust: dict[str, Any] = {"rate": ROBUSTNESS_RATE, "clean_macro_f1": clean_f1, "kinds": {}}
    for kind in kinds:
        step(f"robustness: {kind}")
        pert = perturb(texts, kind, seed)
        changed = np.array([a != b for a, b in zip(pert, texts, strict=True)])
        pp = score_texts(detector, pert)
        sp = _sev(detector.harm(pp), bounds)
        f1 = macro_f1(sev_true, sp, 4)
        robust["kinds"][kind] = {
            "macro_f1": f1,
            "drop_points": round(100 * (clean_f1 - f1), 3),
            "changed_rows": int(changed.sum()),
            "changed_macro_f1_clean": macro_f1(sev_true[changed], sev_pred[changed], 4)
            if changed.any()
            else None,
            "changed_macro_f1_perturbed": macro_f1(sev_true[changed], sp[changed], 4)
            if changed.any()
            else None,
            "roc_auc_harmful": binary_report(y_harmful, pp[:, 1], 0)["roc_auc"]["value"],
        }
    drops = [v["drop_points"] for v in robust["kinds"].values()]
    robust["mean_drop_points"] = float(np.mean(drops)) if drops else 0.0
    robust["max_drop_points"] = float(np.max(drops)) if drops else 0.0
    payload["robustness"] = robust

    # bias: neutral identity sentences must be safe
    step("bias check")
    payload["bias"] = _bias_check(detector, GOLDEN_IDENTITY_SENTENCES)
    payload["bias_holdout"] = _bias_check(detector, HOLDOUT_IDENTITY_SENTENCES)

    hard = detector.analyze(list(HARD_CASES))
    payload["hard_cases"] = [
        {"text": t, "toxicity": round(fs[0].score, 4), "severity": fs[0].explanation["severity"]}
        for t, fs in zip(HARD_CASES, hard, strict=True)
    ]

    # peer
    peer_payload: dict[str, Any] | None = None
    peer_prob = None
    if peer:
        step("alt-profanity-check peer (separate venv)")
        try:
            peer_prob, peer_s = peer_scores(texts, peer_venv)
            cut_raw = bounds
            cut = cut_raw
            if validation is not None and len(validation):
                vp, _ = peer_scores(validation["text"].tolist(), peer_venv)
                cut = tune_single_cutoffs(vp, _sev(validation["harm"].to_numpy(dtype=float), bounds))
            peer_sev = _sev(peer_prob, cut)
            peer_payload = {
                "package": PEER_PACKAGE,
                "severity_cutoffs_tuned_on_validation": list(cut),
                "severity": multiclass_report(sev_true, peer_sev, SEVERITIES, n_boot, seed, groups),
                "severity_raw_buckets_macro_f1": macro_f1(sev_true, _sev(peer_prob, cut_raw), 4),
                "harmful": binary_report(y_harmful, peer_prob, n_boot, seed, groups),
                "seconds": peer_s,
            }
            ours = payload["severity"]["macro_f1"]["value"]
            payload["vs_peer"] = {
                "macro_f1_points_above_peer": round(
                    100 * (ours - peer_payload["severity"]["macro_f1"]["value"]), 2
                ),
                "roc_auc_delta": round(
                    payload["harmful"]["roc_auc"]["value"] - peer_payload["harmful"]["roc_auc"]["value"], 4
                ),
            }
        except (ModopsError, OSError, subprocess.SubprocessError) as err:
            peer_payload = {"error": str(err)}
    payload["peer"] = peer_payload

    figures = _figures(payload, y_harmful, probs, ident, known, harm_true, harm, peer_prob)
    tables = _tables(payload, reliability_curve(y_harmful, probs[:, 1]))
    return payload, figures, tables


def _figures(
    payload: dict[str, Any],
    y_harmful: np.ndarray,
    probs: np.ndarray,
    ident: np.ndarray,
    known: np.ndarray,
    harm_true: np.ndarray,
    harm: np.ndarray,
    peer_prob: np.ndarray | None,
) -> dict[str, Any]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from modops.evaluation.metrics import pr_curve, reliability_curve

    figs: dict[str, Any] = {}
    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    r, p = pr_curve(y_harmful, probs[:, 1])
    ax.plot(r, p, label=f"{payload['model']['family']} (harmful)")
    if peer_prob is not None:
        r2, p2 = pr_curve(y_harmful, peer_prob)
        ax.plot(r2, p2, label="alt-profanity-check (harmful)", linestyle="--")
    if known.sum() and "identity_attack" in payload["categories"]:
        r3, p3 = pr_curve(ident[known] >= 0.5, probs[known, 3])
        ax.plot(r3, p3, label="identity_attack", linestyle=":")
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_title("Precision-recall (test)")
    ax.legend()
    figs["PR curves"] = fig

    cm = np.asarray(payload["severity"]["confusion_matrix"]["matrix"])
    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    ax.imshow(cm, cmap="Blues")
    ax.set_xticks(range(4), [s.replace("_", "\n") for s in SEVERITIES], fontsize=8)
    ax.set_yticks(range(4), SEVERITIES, fontsize=8)
    for (i, j), v in np.ndenumerate(cm):
        ax.text(j, i, str(v), ha="center", va="center", color="black")
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title("Severity confusion matrix (test)")
    figs["Confusion matrix"] = fig

    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    for label, t, s in (
        ("P(harmful) vs label", y_harmful, probs[:, 1]),
        ("harm score vs true harm", harm_true, harm),
    ):
        rc = reliability_curve(t, s)
        ax.plot([c["predicted"] for c in rc], [c["observed"] for c in rc], marker="o", label=label)
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--")
    ax.set_xlabel("predicted")
    ax.set_ylabel("observed")
    ax.set_title(f"Calibration (ECE harmful = {payload['harmful']['ece']['value']:.3f})")
    ax.legend()
    figs["Calibration"] = fig

    kinds = payload["robustness"]["kinds"]
    fig, ax = plt.subplots(figsize=(5.5, 4))
    ax.bar(list(kinds), [v["drop_points"] for v in kinds.values()], color="tab:orange")
    ax.axhline(3.0, color="red", linestyle="--", label="target ≤ 3 points")
    ax.set_ylabel("macro-F1 drop (points)")
    ax.set_title("Robustness to obfuscation (test)")
    ax.legend()
    figs["Robustness deltas"] = fig
    return figs


def _fmt(m: dict[str, Any]) -> str:
    return f"{m['value']:.3f} [{m['ci_low']:.3f}, {m['ci_high']:.3f}]"


def _tables(payload: dict[str, Any], reliability: list[dict[str, float]]) -> dict[str, list[dict[str, Any]]]:
    sev = payload["severity"]
    head = [
        {"metric": "macro-F1 (severity)", "model": _fmt(sev["macro_f1"])},
        {"metric": "ROC-AUC (harmful)", "model": _fmt(payload["harmful"]["roc_auc"])},
        {"metric": "PR-AUC (harmful)", "model": _fmt(payload["harmful"]["pr_auc"])},
        {"metric": "ECE (harmful)", "model": _fmt(payload["harmful"]["ece"])},
    ]
    peer = payload.get("peer") or {}
    if "severity" in peer:
        head[0]["alt-profanity-check"] = _fmt(peer["severity"]["macro_f1"])
        head[1]["alt-profanity-check"] = _fmt(peer["harmful"]["roc_auc"])
        head[2]["alt-profanity-check"] = _fmt(peer["harmful"]["pr_auc"])
        head[3]["alt-profanity-check"] = _fmt(peer["harmful"]["ece"])
    per_class = [
        {
            "severity": k,
            "support": v["support"],
            "precision": _fmt(v["precision"]),
            "recall": _fmt(v["recall"]),
            "f1": _fmt(v["f1"]),
        }
        for k, v in sev["per_class"].items()
    ]
    cats = [
        {
            "category": k,
            "n": v["n"],
            "positives": v["positives"],
            "roc_auc": _fmt(v["roc_auc"]),
            "pr_auc": _fmt(v["pr_auc"]),
            "ece": _fmt(v["ece"]),
        }
        for k, v in payload["categories"].items()
    ]
    rob = [
        {
            "kind": k,
            "macro_f1": round(v["macro_f1"], 4),
            "drop_points": v["drop_points"],
            "changed_rows": v["changed_rows"],
        }
        for k, v in payload["robustness"]["kinds"].items()
    ]
    bias = [
        {
            "check": "neutral identity sentences safe",
            "rate": payload["bias"]["safe_rate"],
            "n": payload["bias"]["n"],
        }
    ]
    bias += [
        {"check": f"FAIL: {r['text']}", "rate": r["toxicity"], "n": r["severity"]}
        for r in payload["bias"]["failures"]
    ]
    holdout = payload.get("bias_holdout")
    if holdout:
        bias.append(
            {
                "check": "held-out identity sentences safe (never used for data or tuning)",
                "rate": holdout["safe_rate"],
                "n": holdout["n"],
            }
        )
        bias += [
            {"check": f"FAIL (held-out): {r['text']}", "rate": r["toxicity"], "n": r["severity"]}
            for r in holdout["failures"]
        ]
    return {
        "Headline (test, 95% CI)": head,
        "Per-class (severity)": per_class,
        "Categories": cats,
        "Robustness (obfuscated test set)": rob,
        "Bias": bias,
        "Calibration bins (P(harmful))": reliability,
    }


def _holdout_lines(holdout: dict[str, Any] | None) -> list[str]:
    if not holdout:
        return []
    fails = "; ".join(f'"{r["text"]}" ({r["toxicity"]:.2f})' for r in holdout["failures"])
    return [
        "",
        f"Held-out identity sentences (a second list, written after the first had shaped the training"
        f" templates, and used for nothing else): {holdout['safe_rate']:.0%} of {holdout['n']} are `safe`"
        + (f"; failures: {fails}." if fails else "."),
    ]


def card_section(payload: dict[str, Any]) -> str:
    """Markdown summary of an evaluation payload, for the model card."""
    sev, h = payload["severity"], payload["harmful"]
    lines = [
        "## Evaluation (`modops eval toxicity`, held-out test split)",
        "",
        f"Dataset `{payload.get('dataset_version')}`, {payload['rows']} test rows, bootstrap 95% CIs over groups.",
        "",
        "| metric | this model | alt-profanity-check |",
        "|---|---|---|",
    ]
    peer = payload.get("peer") or {}
    has_peer = "severity" in peer
    lines.append(
        f"| macro-F1 (severity) | {_fmt(sev['macro_f1'])} | {_fmt(peer['severity']['macro_f1']) if has_peer else '-'} |"
    )
    for key, name in (
        ("roc_auc", "ROC-AUC (harmful)"),
        ("pr_auc", "PR-AUC (harmful)"),
        ("ece", "ECE (harmful)"),
    ):
        lines.append(f"| {name} | {_fmt(h[key])} | {_fmt(peer['harmful'][key]) if has_peer else '-'} |")
    for cat, rep in payload.get("categories", {}).items():
        lines.append(f"| {cat} ROC-AUC | {_fmt(rep['roc_auc'])} | - |")
        lines.append(f"| {cat} PR-AUC | {_fmt(rep['pr_auc'])} | - |")
    rob = payload["robustness"]
    lines += [
        "",
        f"Robustness (test set obfuscated at rate {rob['rate']}, normalizer on): macro-F1 drop in points: "
        + ", ".join(f"{k} {v['drop_points']:.2f}" for k, v in rob["kinds"].items())
        + f" (max {rob['max_drop_points']:.2f}).",
        "",
        f"Bias: {payload['bias']['safe_rate']:.0%} of {payload['bias']['n']} neutral identity sentences are `safe`"
        + (
            "; failures: "
            + "; ".join(f'"{r["text"]}" ({r["toxicity"]:.2f})' for r in payload["bias"]["failures"])
            if payload["bias"]["failures"]
            else "."
        ),
        *_holdout_lines(payload.get("bias_holdout")),
        "",
        "Hard cases (harmful without profanity; reported, not tuned for): "
        + "; ".join(
            f'"{r["text"]}" → {r["toxicity"]:.2f} {r["severity"]}' for r in payload.get("hard_cases", [])
        ),
        "",
        "Confusion matrix (rows true, columns predicted; safe, potentially_harmful, harmful, extremely_harmful):",
        "",
        "```",
        *[" ".join(f"{v:6d}" for v in row) for row in sev["confusion_matrix"]["matrix"]],
        "```",
    ]
    return "\n".join(lines) + "\n"


def update_card(card: Path, payload: dict[str, Any]) -> None:
    """Replace (or append) the evaluation section of a bundle's MODEL_CARD.md."""
    text = card.read_text(encoding="utf-8") if card.exists() else ""
    marker = "## Evaluation (`modops eval toxicity`"
    if marker in text:
        head, _, rest = text.partition(marker)
        nxt = rest.find("\n## ")
        text = head + card_section(payload) + (rest[nxt + 1 :] if nxt >= 0 else "")
    else:
        known = "## Known failure modes"
        if known in text:
            head, _, tail = text.partition(known)
            text = head + card_section(payload) + "\n" + known + tail
        else:
            text += "\n" + card_section(payload)
    card.write_text(text, encoding="utf-8")
