"""Pipeline mechanics (policy, spans, redaction, timings) with small rule-based detectors.

The real shipped detectors run through the same Moderator in tests/serving and tests/e2e.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pytest

from modops.core import Finding
from modops.errors import InputError, NotFoundError
from modops.moderator import Moderator, redact_spans
from modops.normalize.types import NormalizedText
from modops.policy import load_policy


class KeywordToxicity:
    name = "toxicity"
    version = "kw-1"
    labels = ("toxicity",)
    severity_label = "toxicity"

    def analyze(self, batch: Sequence[NormalizedText]) -> list[list[Finding]]:
        out = []
        for nt in batch:
            words = nt.normalized.lower().split()
            score = 0.9 if "idiot" in words else 0.55 if "stupid" in words else 0.05
            out.append([Finding("toxicity", "toxicity", score)])
        return out


class EmailPII:
    name = "pii"
    version = "re-1"
    labels = ("EMAIL_ADDRESS",)
    _re = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")

    def analyze(self, batch: Sequence[NormalizedText]) -> list[list[Finding]]:
        return [
            [
                Finding("pii", "EMAIL_ADDRESS", 0.95, m.start(), m.end())
                for m in self._re.finditer(nt.original)
            ]
            for nt in batch
        ]


class UpperNormalizer:
    version = "test-1"

    def normalize(self, text: str) -> NormalizedText:
        return NormalizedText.identity(text, self.version)


@pytest.fixture
def moderator() -> Moderator:
    return Moderator(
        {"toxicity": KeywordToxicity(), "pii": EmailPII()},
        policy=load_policy("default"),
        normalizer=UpperNormalizer(),
        max_text_chars=50,
    )


def test_actions_and_severity(moderator: Moderator) -> None:
    safe, review, block = moderator.moderate(["have a nice day", "that is stupid", "you idiot"])
    assert (safe.action, safe.flagged) == ("allow", False)
    assert safe.results["toxicity"].severity == "safe"
    assert (review.action, review.results["toxicity"].severity) == ("review", "harmful")
    assert (block.action, block.results["toxicity"].severity) == ("block", "extremely_harmful")
    assert block.model_versions == {"toxicity": "kw-1", "pii": "re-1", "normalizer": "test-1"}
    assert set(block.timings_ms) == {"normalize", "toxicity", "pii"}


def test_redaction_uses_original_offsets(moderator: Moderator) -> None:
    (d,) = moderator.moderate(["mail me: a.b@example.com ok"])
    assert d.action == "redact"
    assert d.redacted_text == "mail me: <EMAIL_ADDRESS> ok"
    (f,) = d.results["pii"].findings
    assert "mail me: a.b@example.com ok"[f.start : f.end] == "a.b@example.com"


def test_block_outranks_redact(moderator: Moderator) -> None:
    (d,) = moderator.moderate(["idiot x@y.io"])
    assert d.action == "block"
    assert d.redacted_text == "idiot <EMAIL_ADDRESS>"


def test_detector_selection(moderator: Moderator) -> None:
    (d,) = moderator.moderate(["you idiot"], detectors=["pii"])
    assert list(d.results) == ["pii"]
    with pytest.raises(NotFoundError, match="nope"):
        moderator.moderate(["x"], detectors=["nope"])


@pytest.mark.parametrize("bad", [None, 3, b"bytes", ["list"]])
def test_non_string_items_are_rejected(moderator: Moderator, bad: object) -> None:
    with pytest.raises(InputError, match="item 1"):
        moderator.moderate(["ok", bad])  # type: ignore[list-item]


def test_empty_and_overlong_texts_get_notes(moderator: Moderator) -> None:
    empty, long = moderator.moderate(["   ", "x" * 80])
    assert empty.action == "allow" and "empty text" in empty.notes
    assert long.notes == ["text truncated from 80 to 50 characters"]
    assert moderator.moderate([]) == []


@pytest.mark.parametrize(
    ("text", "findings", "expected"),
    [
        ("abc", [], "abc"),
        ("hello bob smith", [Finding("pii", "PERSON", 0.9, 6, 15)], "hello <PERSON>"),
        (
            "a 1234 5678 b",
            [Finding("pii", "PHONE_NUMBER", 0.6, 2, 11), Finding("pii", "CREDIT_CARD", 0.9, 2, 6)],
            "a <CREDIT_CARD> b",
        ),
        ("xy", [Finding("pii", "A", 0.9, 0, 1), Finding("pii", "B", 0.9, 1, 2)], "<A><B>"),
    ],
)
def test_redact_spans(text: str, findings: list[Finding], expected: str) -> None:
    assert redact_spans(text, findings) == expected


def test_from_registry_serves_the_shipped_defaults(store) -> None:
    """The real pipeline: policy-enabled detectors that have something to serve, loaded via the registry."""
    mod = Moderator.from_registry()
    assert set(mod.detectors) == {"toxicity", "pii"}  # spam, image, ... are in the policy but not built
    (d,) = mod.moderate(["mail me at jo.doe@example.com"])
    assert d.action == "redact"
    assert d.redacted_text == "mail me at <EMAIL_ADDRESS>"
    assert d.model_versions["normalizer"] != "none"


def test_from_registry_with_nothing_to_serve(store) -> None:
    from modops.policy.model import policy_from_dict

    only_spam = policy_from_dict({"name": "s", "detectors": {"spam": {"rules": []}}}, "t")
    with pytest.raises(NotFoundError, match="no text detector to serve"):
        Moderator.from_registry(policy=only_spam)
