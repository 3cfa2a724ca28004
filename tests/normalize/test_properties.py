"""Property tests: offset map contract, idempotence, recoverable original (hypothesis)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modops.normalize import NormalizedText, Normalizer

_NORM = Normalizer()

# Fragments that exercise every pass, glued together at random.
_PIECES = [
    *"abcdeiklmnostuvx KILLSEX.-_*@$!|1304#%",
    "\u200b", "\u200d", "\u0301", "\u00ad", "\ufe0f", "\u202e", "\ud800", "\x00", "\x07",
    "ѕ", "е", "к", "і", "α", "ο", "υ", "ж", "ｆ", "𝐤", "ſ", "é", "ß", "İ", "🔪", "🦆", "🍉", "🇵🇸", "ש", "ع",
    "unalive", "seggs", "corn", "k1ll", "pdf file", "kys", "sewer slide", "what the 🦆", "killed it",
    " fuuuck ", "a$$", "h8", "le$bean", "f*ck", "k.i.l.l", "k i l l", "candy corn", "sh!t", "s**t",
]  # fmt: skip
fragments = st.lists(st.sampled_from(_PIECES), max_size=25).map("".join)
any_text = st.text(max_size=80)
SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))


def check_contract(text: str, nt: NormalizedText) -> None:
    m = list(nt.offset_map)
    assert nt.original == text
    assert len(m) == len(nt.normalized) + 1
    assert m[-1] == len(text)
    assert all(a <= b for a, b in itertools.pairwise(m))
    assert all(0 <= x <= len(text) for x in m)
    if nt.normalized:
        assert m[0] == 0
    for s in nt.substitutions:
        assert 0 <= s.start <= s.end <= len(text)
        assert text[s.start : s.end] == s.original
    for i in range(len(nt.normalized)):
        a, b = nt.to_original(i, i + 1)
        assert 0 <= a <= b <= len(text)


def check_recoverable(text: str, nt: NormalizedText) -> None:
    """Every normalized character maps back to its source; any difference is a recorded change."""
    m = nt.offset_map
    spans = [(s.start, s.end) for s in nt.substitutions if s.kind != "safe_context"]
    for i, ch in enumerate(nt.normalized):
        a, b = m[i], m[i + 1]
        if any(s < max(b, a + 1) and a < e for s, e in spans):
            continue
        assert text[a:b] == ch, (text, i)
    # the source spans tile the original: concatenating them gives it back
    if nt.normalized:
        assert "".join(text[m[i] : m[i + 1]] for i in range(len(nt.normalized))) == text


@SETTINGS
@given(fragments)
def test_offsets_fragments(text: str) -> None:
    check_contract(text, _NORM.normalize(text))


@SETTINGS
@given(any_text)
def test_offsets_any_text(text: str) -> None:
    check_contract(text, _NORM.normalize(text))


@SETTINGS
@given(fragments)
def test_idempotent_fragments(text: str) -> None:
    once = _NORM.normalize(text).normalized
    assert _NORM.normalize(once).normalized == once


@SETTINGS
@given(any_text)
def test_idempotent_any_text(text: str) -> None:
    once = _NORM.normalize(text).normalized
    assert _NORM.normalize(once).normalized == once


@SETTINGS
@given(fragments)
def test_recoverable_fragments(text: str) -> None:
    check_recoverable(text, _NORM.normalize(text))


@SETTINGS
@given(any_text)
def test_recoverable_any_text(text: str) -> None:
    check_recoverable(text, _NORM.normalize(text))


@pytest.mark.parametrize("text", ["", "a", "k1ll", "\u200b", "\u200b\u200bx\u200b", "x\u200b", "🔪🔪", "ß"])
def test_edge_contract(text: str) -> None:
    nt = _NORM.normalize(text)
    check_contract(text, nt)
    check_recoverable(text, nt)
