"""More fast paths checked against their plain definitions: the one-probe head memo of
``_may_find``, the letters-only skeletons of ``_lookup`` and the spaced-letter branch of
the printable-ASCII pre-scan (which now runs pass 2 in full and may spare ``_once``)."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modops.normalize import Normalizer, obfuscate
from modops.normalize.engine import LEET, LEET_ALT, _ac_matches, _compose, _printable_classes
from tests.normalize.test_cases import CASES

_SYMBOLS = "".join(sorted(set(LEET) | set(LEET_ALT)))


@pytest.fixture(scope="module")
def norm() -> Normalizer:
    return Normalizer()


def _may_find_reference(norm: Normalizer, state: object, token: str) -> bool:
    """The two-probe definition: the 3- and the 4-character head must both be ok."""
    if len(token) < 3 or "ph" in token:
        return True
    heads = (token[:3], token[:4]) if len(token) >= 4 else (token,)
    return all(Normalizer._head_ok(state, h) for h in heads)  # type: ignore[arg-type]


def _tokens(norm: Normalizer, n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    words = sorted(norm._state.vocab)
    alphabet = "abcdefghiklmnoprstuz" * 2 + _SYMBOLS + "*#"
    out: list[str] = []
    for _ in range(n):
        w = rng.choice(words)
        chars = [rng.choice(_SYMBOLS) if rng.random() < 0.2 else c for c in w]
        out.append("".join(chars) + rng.choice(["", "s", "ing", "er", "zz"]))
        out.append("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 9))))
    return out


def test_may_find_one_probe_memo(norm: Normalizer) -> None:
    # a fresh normalizer: the memo fills in this order (3-letter keys meet 4-letter ones)
    fresh = Normalizer()
    state = fresh._state
    tokens = _tokens(norm, 6000, seed=11)
    for tok in tokens + tokens:  # the second round reads the memo
        assert fresh._may_find(state, tok) == _may_find_reference(fresh, state, tok), tok


def test_lookup_letters_skeletons(norm: Normalizer) -> None:
    """For [a-z]+ tokens ``_lookup_after_heads`` skips ``_skeletons``: it would give the
    token itself, plus its "ph" → "f" spelling."""
    rng = random.Random(12)
    tokens = [w + rng.choice(["", "s", "ed", "ing", "ers"]) for w in sorted(norm._state.vocab)]
    tokens += [
        "".join(rng.choice("abcdefghiklmnoprstu" + "ph" * 3) for _ in range(rng.randint(1, 9)))
        for _ in range(5000)
    ]
    for tok in tokens:
        assert tok.isascii() and tok.isalpha() and tok.islower()
        expected = [tok, tok.replace("ph", "f")] if "ph" in tok else [tok]
        assert Normalizer._skeletons(tok) == expected, tok


def _spaced_texts() -> list[str]:
    rng = random.Random(13)
    out = [c[0] for c in CASES]
    out += [obfuscate(c[0], "separator", rng) for c in CASES]
    out += [
        "c u l8r",
        "She say s h e can",
        "k i l l it",
        "t h e k.i.l.l",
        "s o o o m e",
        "w h a t  the f u c k",
    ]
    return [t for t in out if t.isascii() and t.isprintable()]


def test_ascii_scan_spaced_branch_is_pass_two(norm: Normalizer) -> None:
    """With a spaced-letter trigger the pre-scan returns the full pass-2 hits, or None only
    when pass 2 finds nothing and the automaton has no key but stretch marks."""
    state = norm._state
    for text in _spaced_texts():
        low = text.lower()
        ac = _ac_matches(state, low)
        triples = [s for i, s, _ in ac if i >= state.triple0]
        hits = norm._token_hits(state, low, text, triples, fast=False)
        raw = low.encode("ascii")
        pre = norm._ascii_scan(state, low, text, raw, _printable_classes(raw))  # type: ignore[arg-type]
        if pre is None:
            assert not hits and len(triples) == len(ac), text
        else:
            assert pre[2] is not None
            key = [(h.start, h.end, h.replacement, h.kind) for h in pre[2]]
            assert key == [(h.start, h.end, h.replacement, h.kind) for h in hits], text


def _full(norm: Normalizer, text: str) -> tuple[object, ...]:
    """``normalize`` through the generic passes only (``fast=False``, no pre-scan)."""
    state = norm._state
    result, _ = norm._once(state, text, False, (), fast=False)
    assert result is not None
    t = result.normalized
    for _ in range(3):
        if t == result.original:
            break
        again, _ = norm._once(state, t, False, (), same_as=t, fast=False)
        if again is None or again.normalized == t:
            break
        result = _compose(result, again)
        t = result.normalized
    return (result.normalized, list(result.offset_map), [s.to_dict() for s in result.substitutions])


def test_spaced_texts_match_generic_passes(norm: Normalizer) -> None:
    for text in _spaced_texts():
        got = norm.normalize(text)
        assert (got.normalized, list(got.offset_map), [s.to_dict() for s in got.substitutions]) == _full(
            norm, text
        ), text


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("abkilstu .-_/1@$!*")), max_size=40))
def test_spaced_random_match_generic_passes(text: str) -> None:
    norm = _shared()
    got = norm.normalize(text)
    assert (got.normalized, list(got.offset_map), [s.to_dict() for s in got.substitutions]) == _full(
        norm, text
    )


_NORM: list[Normalizer] = []


def _shared() -> Normalizer:
    if not _NORM:
        _NORM.append(Normalizer())
    return _NORM[0]
