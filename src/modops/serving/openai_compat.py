"""Mapping of modops labels onto OpenAI moderation categories (``POST /v1/moderations``).

Two sources feed a category score:

1. **Model labels.** Each OpenAI category takes the score of one or more ``(detector, label)``
   sources: ``max`` means any source suffices, ``min`` means all must hold (hate that is also
   a threat). A label the served model does not emit counts as 0.
2. **Lexicon attribution.** The normalizer tags each harmful algospeak/obfuscation substitution
   with a category (``kys`` → self_harm, ``seggs`` → sexual, ``k1ll`` → violence). When a text
   contains one, the text's toxicity score is attributed to the matching OpenAI category
   (``LEXICON_MAP``), so "ppl like u should just kys" scores on ``self-harm``, not only on
   ``harassment``. A harmless text with such a term keeps a low toxicity score, so it is not flagged.

The category score is the max of both. Categories with neither source are always ``0.0`` /
``false``: see ``NOT_MODELLED``, so nobody mistakes them for a negative prediction.

A category is flagged when its score reaches the threshold of the policy rule for
its source label (the lowest non-allow rule threshold), else ``DEFAULT_THRESHOLD``.
``flagged`` for an input is true when any category is flagged.
"""

from __future__ import annotations

from typing import Any, Literal

from modops.core import Decision
from modops.policy import Policy

OPENAI_CATEGORIES: tuple[str, ...] = (
    "harassment",
    "harassment/threatening",
    "hate",
    "hate/threatening",
    "illicit",
    "illicit/violent",
    "self-harm",
    "self-harm/intent",
    "self-harm/instructions",
    "sexual",
    "sexual/minors",
    "violence",
    "violence/graphic",
)

Combine = Literal["max", "min"]

CATEGORY_MAP: dict[str, tuple[Combine, tuple[tuple[str, str], ...]]] = {
    "harassment": ("max", (("toxicity", "insult"), ("toxicity", "toxicity"))),
    "harassment/threatening": ("max", (("toxicity", "threat"),)),
    "hate": ("max", (("toxicity", "identity_attack"),)),
    "hate/threatening": ("min", (("toxicity", "identity_attack"), ("toxicity", "threat"))),
    "self-harm": ("max", (("toxicity", "self_harm"),)),
    "sexual": ("max", (("toxicity", "sexual"),)),
    "violence": ("max", (("toxicity", "threat"),)),
}
# normalizer substitution category → OpenAI category (score = the text's toxicity score)
LEXICON_MAP: dict[str, str] = {
    "insult": "harassment",
    "hate": "hate",
    "sexual": "sexual",
    "sexual_minors": "sexual/minors",
    "self_harm": "self-harm",
    "violence": "violence",
    "weapons": "illicit/violent",
    "drugs": "illicit",
}
LEXICON_SCORE = ("toxicity", "toxicity")
LEXICON_KEY = "_lexicon"  # key of the lexicon-attribution threshold in category_thresholds()
NOT_MODELLED: tuple[str, ...] = tuple(
    c for c in OPENAI_CATEGORIES if c not in CATEGORY_MAP and c not in LEXICON_MAP.values()
)
DEFAULT_THRESHOLD = 0.5


def required_detectors() -> list[str]:
    """Detectors the mapping reads (only these run for /v1/moderations)."""
    return sorted({det for _, sources in CATEGORY_MAP.values() for det, _ in sources})


def category_thresholds(policy: Policy) -> dict[str, float]:
    """Per OpenAI category, the model-label score at which it is flagged under ``policy``.

    ``out[LEXICON_KEY]`` is the threshold for lexicon attribution (the toxicity rule's).
    """

    def threshold(det: str, label: str) -> float:
        rules = [r.threshold for r in policy.rules_for(det) if r.matches(label) and r.action.value != "allow"]
        return min(rules) if rules else DEFAULT_THRESHOLD

    out: dict[str, float] = {}
    for category, (_, sources) in CATEGORY_MAP.items():
        out[category] = min(threshold(det, label) for det, label in sources)
    out[LEXICON_KEY] = threshold(*LEXICON_SCORE)
    return out


def to_openai_result(decision: Decision, thresholds: dict[str, float]) -> dict[str, Any]:
    """One ``results[i]`` object in OpenAI's moderation response shape."""
    scores: dict[str, float] = dict.fromkeys(OPENAI_CATEGORIES, 0.0)
    for category, (combine, sources) in CATEGORY_MAP.items():
        values = []
        for det, label in sources:
            res = decision.results.get(det)
            values.append(float(res.scores.get(label, 0.0)) if res is not None else 0.0)
        scores[category] = round(max(values) if combine == "max" else min(values), 6)
    categories = {c: c in thresholds and scores[c] >= thresholds[c] for c in OPENAI_CATEGORIES}
    lex_det, lex_label = LEXICON_SCORE
    res = decision.results.get(lex_det)
    if res is not None:
        harm = round(float(res.scores.get(lex_label, 0.0)), 6)
        for sub in decision.substitutions:
            target = LEXICON_MAP.get(str(sub.get("category"))) if sub.get("harmful") else None
            if target is None:
                continue
            scores[target] = max(scores[target], harm)
            # each source is judged at its own threshold; the reported score is the max
            categories[target] = categories[target] or harm >= thresholds.get(LEXICON_KEY, DEFAULT_THRESHOLD)
    return {
        "flagged": any(categories.values()),
        "categories": categories,
        "category_scores": scores,
        "category_applied_input_types": {c: ["text"] for c in OPENAI_CATEGORIES},
    }


def mapping_table() -> str:
    """The mapping as a Markdown table (for docs)."""
    lines = ["| OpenAI category | model labels | lexicon attribution | combine |", "|---|---|---|---|"]
    for c in OPENAI_CATEGORIES:
        lexicon = ", ".join(f"`{k}`" for k, v in LEXICON_MAP.items() if v == c) or "-"
        if c in CATEGORY_MAP:
            combine, sources = CATEGORY_MAP[c]
            src = ", ".join(f"`{d}.{lab}`" for d, lab in sources)
            lines.append(f"| `{c}` | {src} | {lexicon} | {combine if len(sources) > 1 else '-'} |")
        elif c in LEXICON_MAP.values():
            lines.append(f"| `{c}` | - | {lexicon} | - |")
        else:
            lines.append(f"| `{c}` | not modelled (always 0.0, false) | - | - |")
    return "\n".join(lines)
