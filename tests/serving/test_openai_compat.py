"""The label → OpenAI category mapping (pure functions, table-driven)."""

from __future__ import annotations

import pytest

from modops.core import Decision, DetectorResult
from modops.policy import load_policy
from modops.serving.openai_compat import (
    NOT_MODELLED,
    OPENAI_CATEGORIES,
    category_thresholds,
    mapping_table,
    to_openai_result,
)


def _decision(scores: dict[str, float], subs: list[dict] | None = None) -> Decision:  # type: ignore[type-arg]
    res = DetectorResult("toxicity", "t1", scores, [])
    return Decision("allow", False, {"toxicity": res}, [], substitutions=subs or [])


def _sub(category: str, harmful: bool = True) -> dict:  # type: ignore[type-arg]
    return {"category": category, "harmful": harmful, "original": "x", "replacement": "y"}


THRESHOLDS = category_thresholds(load_policy("default"))


@pytest.mark.parametrize(
    ("scores", "subs", "flagged_categories"),
    [
        ({"toxicity": 0.05}, [], set()),
        ({"toxicity": 0.9}, [], {"harassment"}),
        ({"toxicity": 0.3, "identity_attack": 0.8}, [], {"hate"}),
        ({"toxicity": 0.9}, [_sub("self_harm")], {"harassment", "self-harm"}),
        ({"toxicity": 0.1}, [_sub("self_harm")], set()),  # harmless text with a lexicon term
        ({"toxicity": 0.9}, [_sub("self_harm", harmful=False)], {"harassment"}),
        ({"toxicity": 0.7}, [_sub("sexual"), _sub("weapons")], {"harassment", "sexual", "illicit/violent"}),
        ({"toxicity": 0.7}, [_sub("drugs")], {"harassment", "illicit"}),
        (
            {"toxicity": 0.9, "threat": 0.9, "identity_attack": 0.9},
            [],
            {"harassment", "harassment/threatening", "hate", "hate/threatening", "violence"},
        ),
    ],
)
def test_mapping(scores: dict[str, float], subs: list[dict], flagged_categories: set[str]) -> None:  # type: ignore[type-arg]
    out = to_openai_result(_decision(scores, subs), THRESHOLDS)
    assert list(out["categories"]) == list(OPENAI_CATEGORIES)
    assert {c for c, v in out["categories"].items() if v} == flagged_categories
    assert out["flagged"] == bool(flagged_categories)
    assert all(out["category_scores"][c] == 0.0 for c in NOT_MODELLED)
    assert all(v == ["text"] for v in out["category_applied_input_types"].values())


def test_thresholds_follow_policy_and_table_documents_every_category() -> None:
    assert THRESHOLDS["harassment"] == 0.5  # toxicity review rule
    assert THRESHOLDS["hate"] == 0.7  # identity_attack block rule
    table = mapping_table()
    assert all(f"`{c}`" in table for c in OPENAI_CATEGORIES)
