"""Regenerate ``data/profanity.json`` from the MIT-licensed word lists in the shared datasets.

    python -m modops.normalize.build_profanity [DATA_DIR]

Only plain spellings are taken (dsojevic match alternatives and Surge canonical forms);
they become ``forms`` that the obfuscation decoder recognises. The Surge *variant* column
is deliberately not imported: ``modops eval normalizer`` measures recall on it, so it
stays held out.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from pathlib import Path

_DSOJEVIC_CATEGORY = {
    "sexual": "sexual",
    "shock": "sexual",
    "lgbtq": "hate",
    "racial": "hate",
    "religious": "hate",
    "general": "insult",
}
_SURGE_CATEGORY = {
    "sexual anatomy / sexual acts": "sexual",
    "racial / ethnic slurs": "hate",
    "sexual orientation / gender": "hate",
    "bodily fluids / excrement": "profanity",
    "other / general insult": "insult",
    "religious offense": "hate",
    "mental disability": "insult",
    "animal references": "insult",
    "political": "political",
    "physical attributes": "insult",
    "physical disability": "insult",
}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def build(data_dir: Path) -> dict[str, object]:
    entries: list[dict[str, object]] = []
    seen_words: set[str] = set()
    for item in json.loads((data_dir / "dsojevic_profanity" / "en.json").read_text(encoding="utf-8")):
        words = []
        for alt in str(item["match"]).split("|"):
            w = alt.replace("*", "").strip().lower()
            if w.isascii() and w.isalpha() and len(w) >= 3 and w not in words:
                words.append(w)
        if not words:
            continue
        ident = f"dsojevic:{_slug(item['id'])}"
        if any(e["id"] == ident for e in entries):  # the source repeats a few ids
            continue
        sev = int(item["severity"])
        tag = item["tags"][0] if item.get("tags") else "general"
        entries.append(
            {
                "id": ident,
                "canonical": words[0],
                "variants": [],
                "forms": words,
                "category": "identity"
                if tag == "lgbtq" and sev <= 1
                else _DSOJEVIC_CATEGORY.get(tag, "insult"),
                "severity": min(sev, 4),
                "harmful": sev >= 2,
                "safe_contexts": [],
                "source": "dsojevic/profanity-list en.json (MIT)",
            }
        )
        seen_words.update(words)
    best: dict[str, tuple[float, str]] = {}
    with (data_dir / "surge_profanity" / "profanity_en.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            canon = row["canonical_form_1"].strip().lower()
            if not (canon.isascii() and canon.isalpha() and len(canon) >= 3) or canon in seen_words:
                continue
            rating = float(row["severity_rating"] or 1)
            if canon not in best or rating > best[canon][0]:
                best[canon] = (rating, row["category_1"])
    for canon, (rating, cat) in sorted(best.items()):
        entries.append(
            {
                "id": f"surge:{_slug(canon)}",
                "canonical": canon,
                "variants": [],
                "forms": [canon],
                "category": _SURGE_CATEGORY.get(cat, "insult"),
                "severity": max(1, min(3, round(rating))),
                "harmful": rating >= 2.0,
                "safe_contexts": [],
                "source": "surge-ai/profanity canonical_form_1 (MIT)",
            }
        )
    return {
        "version": "1.0.0",
        "date": "2026-11-22",
        "description": "Plain profanity/slur spellings (decoder vocabulary) from MIT-licensed lists.",
        "entries": entries,
    }


def main() -> None:
    data_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("../shared/datasets")
    out = Path(__file__).with_name("data") / "profanity.json"
    payload = build(data_dir)
    out.write_text(json.dumps(payload, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out} ({len(payload['entries'])} entries)")  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
