"""Public API: normalize, get_normalizer, ensure_normalized, batches, obfuscate round trips."""

from __future__ import annotations

import random

import pytest

from modops.errors import InputError
from modops.normalize import (
    OBFUSCATION_KINDS,
    NormalizedText,
    Normalizer,
    ensure_normalized,
    get_normalizer,
    normalize,
    obfuscate,
)


def test_default_normalizer_is_cached_and_versioned() -> None:
    a = get_normalizer()
    assert a is get_normalizer()
    assert a.version == a.db.version
    assert normalize("k1ll").db_version == a.version


def test_substitution_fields() -> None:
    nt = normalize("I will unalive u")
    (sub,) = nt.substitutions
    assert (sub.start, sub.end, sub.original) == (7, 14, "unalive")
    assert sub.replacement == "kill" and sub.kind == "algospeak"
    assert sub.pattern_id == "kill" and sub.category == "violence" and sub.harmful
    s, e = nt.normalized.index("kill"), nt.normalized.index("kill") + 4
    assert nt.to_original(s, e) == (7, 14)
    assert nt.harmful_substitutions == [sub]
    d = nt.to_dict()
    assert d["normalized"] == "I will kill u" and d["substitutions"][0]["pattern_id"] == "kill"


def test_ensure_normalized_mixes_and_validates() -> None:
    pre = normalize("seggs")
    out = ensure_normalized(["k1ll", pre, ""])
    assert [o.normalized for o in out] == ["kill", "sex", ""]
    assert out[1] is pre
    assert ensure_normalized([]) == []
    with pytest.raises(InputError, match="item 1"):
        ensure_normalized(["ok", 3])  # type: ignore[list-item]
    with pytest.raises(InputError):
        ensure_normalized("not a list")  # type: ignore[arg-type]
    with pytest.raises(InputError):
        normalize(None)  # type: ignore[arg-type]


def test_batch_matches_single() -> None:
    norm = get_normalizer()
    texts = ["k1ll", "hello", "🔪", "sewer slide"]
    assert [n.normalized for n in norm.normalize_batch(texts)] == [
        norm.normalize(t).normalized for t in texts
    ]


def test_identity_contract() -> None:
    nt = NormalizedText.identity("abc")
    assert list(nt.offset_map) == [0, 1, 2, 3]


def test_max_chars_truncates() -> None:
    norm = Normalizer(max_chars=10)
    nt = norm.normalize("k1ll " * 10)
    assert nt.truncated and len(nt.original) == 10 and nt.notes
    assert nt.offset_map[-1] == 10
    with pytest.raises(InputError):
        Normalizer(max_chars=0)


WORDS = ["kill", "fuck", "bitch", "suicide", "murder", "shit", "porn", "rape", "killed", "asshole"]


@pytest.mark.parametrize("kind", [k for k in OBFUSCATION_KINDS if k != "algospeak"])
def test_obfuscate_round_trip(kind: str) -> None:
    rng = random.Random(7)
    norm = get_normalizer()
    recovered = tried = 0
    for w in WORDS:
        for _ in range(5):
            ob = obfuscate(w, kind, rng)
            if ob == w:  # e.g. "fuck" has no letter with a leet digit
                continue
            tried += 1
            if norm.normalize(f"i said {ob} now").normalized.lower() == f"i said {w} now":
                recovered += 1
    assert tried >= 40
    assert recovered >= 0.9 * tried, (kind, recovered, tried)


def test_obfuscate_algospeak_inverts_database() -> None:
    norm = get_normalizer()
    rng = random.Random(1)
    for text in ["i want to kill you", "talking about suicide", "we had sex", "watch porn"]:
        ob = obfuscate(text, "algospeak", rng)
        assert ob != text
        assert norm.normalize(ob).normalized.lower() == text


def test_obfuscate_is_deterministic_and_validates() -> None:
    assert obfuscate("kill them all", "leet", 3) == obfuscate("kill them all", "leet", random.Random(3))
    assert obfuscate("", "leet") == ""
    assert obfuscate("no eligible a b", "separator", 0) != ""
    with pytest.raises(InputError, match="unknown obfuscation kind"):
        obfuscate("x", "rot13")
    with pytest.raises(InputError):
        obfuscate("x", "leet", rate=2.0)
    with pytest.raises(InputError):
        obfuscate(5, "leet")  # type: ignore[arg-type]
