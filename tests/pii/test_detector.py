"""The pii detector: offsets into the original text, explanations, document-level finding, registry."""

from __future__ import annotations

import pytest

from modops.core import available_detectors, get_detector_spec
from modops.detectors.bundle import default_bundle_path, read_bundle
from modops.detectors.pii import DOC_LABEL, PIIDetector, from_bundle, recognizer_bundle_meta
from modops.normalize.types import NormalizedText


@pytest.fixture(scope="module")
def rules() -> PIIDetector:
    return PIIDetector(recognizer_bundle_meta(spacy_model=None))


@pytest.fixture(scope="module")
def shipped() -> PIIDetector:
    return from_bundle(None)


TEXT = (
    "Hi all!\nYou can reach Maria Garcia at maria.garcia@example.com or (415) 555-2671.\n"
    "Card: 4111 1111 1111 1111. Ship to 12 Main St., Springfield, IL 62704."
)


def test_registered() -> None:
    assert "pii" in available_detectors()
    assert get_detector_spec("pii").kind == "text"


def test_offsets_are_exact_in_original(rules: PIIDetector) -> None:
    findings = rules.analyze([TEXT])[0]
    got = {(f.label, TEXT[f.start : f.end]) for f in findings if f.start is not None}
    assert ("EMAIL_ADDRESS", "maria.garcia@example.com") in got
    assert ("PHONE_NUMBER", "(415) 555-2671") in got
    assert ("CREDIT_CARD", "4111 1111 1111 1111") in got
    assert ("STREET_ADDRESS", "12 Main St., Springfield, IL 62704") in got
    for f in findings:
        if f.start is not None:
            assert {"recognizer", "sources", "validation", "context"} <= set(f.explanation)


def test_one_finding_per_entity_and_doc_level(rules: PIIDetector) -> None:
    findings = rules.analyze([TEXT, "Nothing to see here, version 2.4.1 shipped."])
    spans = [(f.start, f.end) for f in findings[0] if f.start is not None]
    assert len(spans) == len(set(spans))
    for a in spans:
        for b in spans:
            assert a == b or a[1] <= b[0] or b[1] <= a[0]  # no overlaps
    doc = [f for f in findings[0] if f.label == DOC_LABEL]
    assert len(doc) == 1 and doc[0].score >= 0.5 and doc[0].start is None
    clean = next(f for f in findings[1] if f.label == DOC_LABEL)
    assert clean.score < 0.5 and not clean.explanation["contains_pii"]


def test_normalized_input_maps_back_to_original(rules: PIIDetector) -> None:
    # a zero-width space hides the e-mail from the original-text regex; the normalized text has it
    original = "mail: jo\u200bhn@example.com ok"
    normalized = "mail: john@example.com ok"
    offset_map = [*range(8), *range(9, len(original) + 1)]
    nt = NormalizedText(original, normalized, offset_map)
    findings = rules.analyze([nt])[0]
    emails = [f for f in findings if f.label == "EMAIL_ADDRESS"]
    assert emails and original[emails[0].start : emails[0].end] == "jo\u200bhn@example.com"


def test_non_text_input_is_an_error(rules: PIIDetector) -> None:
    from modops.errors import InputError

    with pytest.raises(InputError):
        rules.analyze([123])


def test_shipped_bundle_is_complete_and_small() -> None:
    path = default_bundle_path("pii")
    assert path is not None
    meta = read_bundle(path)
    size = sum(p.stat().st_size for p in path.iterdir())
    assert size <= 25 * 1024 * 1024
    assert (path / "MODEL_CARD.md").is_file()
    assert meta.detector == "pii"


def test_shipped_model_finds_names(shipped: PIIDetector) -> None:
    text = "Yesterday I had lunch with Jennifer Lawson and her brother."
    findings = shipped.analyze([text])[0]
    persons = [text[f.start : f.end] for f in findings if f.label == "PERSON"]
    assert "Jennifer Lawson" in persons


def test_empty_and_long_inputs(shipped: PIIDetector) -> None:
    out = shipped.analyze(["", "a" * 20_000])
    assert [f.label for f in out[0]] == [DOC_LABEL]
    assert len(out) == 2


@pytest.mark.slow  # registers the 18 MB shipped bundle in a fresh MLflow store
def test_load_detector_registers_default_champion() -> None:
    from modops import registry
    from modops.detectors.loading import load_detector

    det = load_detector("pii")
    assert det.name == "pii"
    assert registry.get_alias("pii", "champion") is not None


@pytest.mark.parametrize(
    ("text", "must_cover"),
    [
        ("Today was a long day. It rained and we stayed in.", []),
        ("Today was a long day. I met Jennifer Lawson at the mall.", ["Jennifer Lawson"]),
        ("We went to 12 Main St. Springfield, IL 62704 to see them.", ["12 Main St. Springfield, IL 62704"]),
        ("Went home early. went to bed.", []),  # a sentence-initial word also seen in lower case
    ],
)
def test_tagger_gating(text: str, must_cover: list[str]) -> None:
    from modops.detectors.pii import tagger_segments

    segs = tagger_segments(text)
    if not must_cover:
        assert segs == []
    for value in must_cover:
        s = text.index(value)
        assert any(a <= s and s + len(value) <= b for a, b in segs), (value, [text[a:b] for a, b in segs])
