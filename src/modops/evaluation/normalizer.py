"""``modops eval normalizer``: coverage, recall and false substitutions on real data.

- **TikTok lexicon coverage** (``algospeak_tiktok_lexicon``, no licence: read in place to
  measure, never copied): share of terms whose normalized text contains their meaning.
- **Surge recall** (``surge_profanity``, MIT): share of obfuscated variants whose
  normalized text contains the canonical word. The shipped database takes only Surge's
  canonical words, not its variants, so this measures the generic decoder on held-out data.
- **False substitutions** on clean sentences from ``blog_authorship_sample``: share of
  sentences changed by a *harmful* substitution (target ≤ 0.5%).

Every rate has a bootstrap 95% CI.
"""

from __future__ import annotations

import csv
import random
import re
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from modops.errors import DataError, NotFoundError
from modops.evaluation.bootstrap import bootstrap
from modops.normalize import Normalizer, get_normalizer

LEXICON = "algospeak_tiktok_lexicon/algospeak_lexicon.csv"
SURGE = "surge_profanity/profanity_en.csv"
BLOG = "blog_authorship_sample/blog_posts_sample.csv"
FALSE_SUB_TARGET = 0.005
_SENT_SPLIT = re.compile(r"(?<=[.!?])\s+")
_WORD = re.compile(r"[a-z]+")


def _read_csv(path: Path, required: tuple[str, ...]) -> list[dict[str, str]]:
    if not path.is_file():
        raise NotFoundError(f"dataset file not found: {path} (set MODOPS_DATA_DIR)")
    csv.field_size_limit(10_000_000)
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in required if c not in (reader.fieldnames or [])]
            if missing:
                raise DataError(f"{path}: missing column(s) {', '.join(missing)}")
            return list(reader)
    except UnicodeDecodeError:
        raise DataError(f"{path}: not valid UTF-8") from None


def _rate(flags: list[bool], seed: int) -> dict[str, Any]:
    arr = np.asarray(flags, dtype=float)
    if arr.size == 0:
        return {"value": None, "n": 0}
    est = bootstrap(lambda a: float(a.mean()), [arr], n_boot=1000, seed=seed)
    return {**est.to_dict(), "n": int(arr.size), "hits": int(arr.sum())}


def _meanings(text: str) -> list[str]:
    parts = re.split(r"/|,| or ", re.sub(r"\(.*?\)", "", text.lower()))
    return [p.strip(" .") for p in parts if p.strip(" .")]


def lexicon_coverage(norm: Normalizer, data_dir: Path, seed: int = 0) -> dict[str, Any]:
    """Share of TikTok lexicon terms normalized to (a text containing) their meaning."""
    rows = _read_csv(data_dir / LEXICON, ("algospeak", "decoded_meaning"))
    covered: list[bool] = []
    nontrivial: list[bool] = []
    changed: list[bool] = []
    misses = 0
    for r in rows:
        term, meaning = r["algospeak"], r["decoded_meaning"]
        nt = norm.normalize(term)
        low = nt.normalized.lower()
        alts = _meanings(meaning)
        hit = any(a in low for a in alts)
        covered.append(hit)
        changed.append(nt.changed)
        if not any(a in term.lower() for a in alts):
            nontrivial.append(hit)
        misses += not hit
    return {
        "rows": len(rows),
        "coverage": _rate(covered, seed),
        "coverage_nontrivial": _rate(nontrivial, seed),
        "changed": _rate(changed, seed),
        "note": "terms and misses are not reproduced here: the lexicon has no licence",
    }


def surge_recall(norm: Normalizer, data_dir: Path, seed: int = 0) -> dict[str, Any]:
    """Share of Surge variants whose normalized text contains their canonical form."""
    rows = _read_csv(data_dir / SURGE, ("text", "canonical_form_1"))
    all_hits: list[bool] = []
    obf_hits: list[bool] = []
    by_cat: dict[str, list[bool]] = {}
    misses: Counter[str] = Counter()
    examples: list[dict[str, str]] = []
    for r in rows:
        text = r["text"]
        canon = r["canonical_form_1"].strip().lower()
        if not canon:
            continue
        low = norm.normalize(text).normalized.lower()
        squashed = low.replace(" ", "")
        hit = canon in low or canon.replace(" ", "") in squashed
        all_hits.append(hit)
        if canon not in text.lower():
            obf_hits.append(hit)
            by_cat.setdefault(r.get("category_1") or "?", []).append(hit)
            if not hit:
                misses[canon] += 1
                if len(examples) < 25:
                    examples.append({"text": text, "canonical": canon, "normalized": low})
    return {
        "rows": len(all_hits),
        "recall_all": _rate(all_hits, seed),
        "recall_obfuscated": _rate(obf_hits, seed),
        "recall_by_category": {k: _rate(v, seed) for k, v in sorted(by_cat.items())},
        "top_missed_canonicals": misses.most_common(15),
        "miss_examples": examples,
    }


def blog_sentences(
    data_dir: Path, n: int = 2000, seed: int = 0, exclude: set[str] | None = None
) -> list[str]:
    """``n`` clean sentences (20–300 chars, no plain profanity/slur) sampled from the blog posts."""
    rows = _read_csv(data_dir / BLOG, ("text",))
    sentences: list[str] = []
    for r in rows:
        for s in _SENT_SPLIT.split(r["text"]):
            s = " ".join(s.split())
            if 20 <= len(s) <= 300:
                sentences.append(s)
    if exclude:
        sentences = [s for s in sentences if not (set(_WORD.findall(s.lower())) & exclude)]
    rng = random.Random(seed)
    rng.shuffle(sentences)
    return sentences[:n]


def false_substitutions(norm: Normalizer, data_dir: Path, n: int = 2000, seed: int = 0) -> dict[str, Any]:
    """Share of clean blog sentences changed by a harmful substitution."""
    harmful_plain = {
        w for e in norm.entries if e.harmful and e.severity >= 2 for w in (*e.forms, e.canonical.lower())
    }
    sents = blog_sentences(data_dir, n, seed, exclude=harmful_plain)
    harmful_flags: list[bool] = []
    any_change: list[bool] = []
    offenders: Counter[str] = Counter()
    examples: list[dict[str, Any]] = []
    for s in sents:
        nt = norm.normalize(s)
        bad = [x for x in nt.substitutions if x.harmful and x.kind != "safe_context"]
        harmful_flags.append(bool(bad))
        any_change.append(nt.changed)
        for x in bad:
            offenders[f"{x.pattern_id} ({x.kind}: {x.original!r}→{x.replacement!r})"] += 1
        if bad and len(examples) < 20:
            examples.append({"sentence": s, "normalized": nt.normalized})
    rate = _rate(harmful_flags, seed)
    return {
        "sentences": len(sents),
        "definition": "clean = 20-300 chars and no plain word of a harmful entry with severity >= 2",
        "harmful_substitution_rate": rate,
        "any_change_rate": _rate(any_change, seed),
        "target": FALSE_SUB_TARGET,
        "meets_target": rate.get("value") is not None and rate["value"] <= FALSE_SUB_TARGET,
        "offenders": offenders.most_common(20),
        "examples": examples,
    }


def evaluate_normalizer(
    data_dir: Path, n_sentences: int = 2000, seed: int = 0, normalizer: Normalizer | None = None
) -> dict[str, Any]:
    """Run all three measurements; returns the report payload."""
    norm = normalizer or get_normalizer()
    t0 = time.perf_counter()
    payload: dict[str, Any] = {
        "normalizer_version": norm.version,
        "db_date": norm.db.date,
        "entries": len(norm.entries),
        "data_dir": str(data_dir),
        "seed": seed,
        "tiktok_lexicon": lexicon_coverage(norm, data_dir, seed),
        "surge": surge_recall(norm, data_dir, seed),
        "blog_false_substitutions": false_substitutions(norm, data_dir, n_sentences, seed),
    }
    payload["seconds"] = round(time.perf_counter() - t0, 2)
    return payload


def summary_rows(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per headline metric, for the CLI table and the HTML report."""

    def row(name: str, r: dict[str, Any], target: str = "") -> dict[str, Any]:
        return {
            "metric": name,
            "value": r.get("value"),
            "ci_low": r.get("ci_low"),
            "ci_high": r.get("ci_high"),
            "n": r.get("n"),
            "target": target,
        }

    lex = payload["tiktok_lexicon"]
    surge = payload["surge"]
    blog = payload["blog_false_substitutions"]
    return [
        row("TikTok lexicon coverage (all terms)", lex["coverage"]),
        row("TikTok lexicon coverage (meaning not already in term)", lex["coverage_nontrivial"]),
        row("Surge recall (all rows)", surge["recall_all"]),
        row("Surge recall (obfuscated rows)", surge["recall_obfuscated"]),
        row("Blog sentences with a harmful substitution", blog["harmful_substitution_rate"], "<= 0.005"),
        row("Blog sentences changed at all", blog["any_change_rate"]),
    ]


def write_normalizer_report(payload: dict[str, Any], out_dir: Path) -> tuple[Path, Path]:
    """JSON + HTML report with a bar chart of the headline rates."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from modops.evaluation.report import write_report

    rows = summary_rows(payload)
    fig, ax = plt.subplots(figsize=(8, 3.5))
    names = [r["metric"] for r in rows]
    vals = [r["value"] or 0.0 for r in rows]
    lows = [max(0.0, (r["value"] or 0.0) - (r["ci_low"] or 0.0)) for r in rows]
    highs = [max(0.0, (r["ci_high"] or 0.0) - (r["value"] or 0.0)) for r in rows]
    ax.barh(names, vals, xerr=[lows, highs], color="#4a7ab5")
    ax.set_xlim(0, 1)
    ax.invert_yaxis()
    ax.set_xlabel("rate (95% bootstrap CI)")
    cats = payload["surge"]["recall_by_category"]
    fig2, ax2 = plt.subplots(figsize=(8, 3.5))
    ax2.barh(list(cats), [c["value"] or 0.0 for c in cats.values()], color="#6a9f58")
    ax2.set_xlim(0, 1)
    ax2.invert_yaxis()
    ax2.set_xlabel("Surge recall on obfuscated rows, by category")
    tables = {
        "Summary": rows,
        "Blog false substitutions: top patterns": [
            {"pattern": k, "sentences": v} for k, v in payload["blog_false_substitutions"]["offenders"]
        ],
        "Surge: most missed canonical words": [
            {"canonical": k, "misses": v} for k, v in payload["surge"]["top_missed_canonicals"]
        ],
    }
    return write_report(
        out_dir,
        "normalizer",
        payload,
        figures={"Headline rates": fig, "Surge recall by category": fig2},
        tables=tables,
        title=f"Normalizer evaluation (patterns {payload['normalizer_version']})",
    )
