"""The normalizer's fast paths give exactly what the generic code gives.

Each speed-up in ``engine.py`` (regex token scan, one-for-one edits, translate-based
skeletons, direct slot construction, caches, the printable-ASCII pre-scan, the literal
spaced-letter search, regex word runs) is checked against a plain reference
implementation on table cases, obfuscated texts and random strings.
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modops.normalize import Normalizer, obfuscate
from modops.normalize.engine import (
    _ALNUM_RUN,
    _ASCII_CLASSES,
    _ASCII_SPECIAL,
    _COLLAPSE,
    _SPACED_CLASS_RANGES,
    _SPACED_CLASSES,
    _SPACED_TRIGGER,
    _SPACED_TT,
    CENSOR_CHARS,
    LEET,
    LEET_ALT,
    _ac_matches,
    _ascii_runs_loop,
    _compose,
    _has_az,
    _is_az,
    _new_nt,
    _new_sub,
    _printable_classes,
    _token_runs_re,
    apply_edits,
)
from modops.normalize.types import NormalizedText, Substitution
from tests.normalize.test_cases import CASES

# characters that exercise every trigger: leet/censor symbols, separators, sentence
# punctuation, stretched letters, non-ASCII letters and digits
_ALPHABET = [
    *"abcdefkilmnosuy  .-_|!@$*#%+0134579|/\\~:,?'",
    "é",
    "а",
    "ѕ",
    "€",
    "£",
    "¡",
    "²",
    "ß",
    "\u200b",
]
_KINDS = ("leet", "separator", "homoglyph", "algospeak", "stretch", "censor", "invisible")


@pytest.fixture(scope="module")
def norm() -> Normalizer:
    return Normalizer()


def _texts() -> list[str]:
    rng = random.Random(5)
    base = [c[0] for c in CASES] + [c[1] for c in CASES]
    out = list(base)
    for i, t in enumerate(base):
        out.append(obfuscate(t, _KINDS[i % len(_KINDS)], rng))
    words = [
        "kill",
        "k1ll",
        "f*ck",
        "fuuuck",
        "k.y.s",
        "k i l l",
        "sh!t",
        "@ss",
        "a$$",
        "b1tch",
        "s3ggs",
        "ph",
    ]
    for _ in range(300):
        out.append(rng.choice([" ", "", ".", "-"]).join(rng.choice(words) for _ in range(rng.randint(1, 8))))
        out.append("".join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, 40))))
    return out


def _hit_key(hits: Sequence[object]) -> list[tuple[object, ...]]:
    return [
        (h.start, h.end, h.replacement, h.kind, h.entry.id if h.entry else None, h.harmful)  # type: ignore[attr-defined]
        for h in hits
    ]


def _both_token_passes(
    norm: Normalizer, text: str
) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    state = norm._state
    low = text.lower()
    if len(low) != len(text):
        return [], []
    triples = [s for i, s, _ in _ac_matches(state, low) if i >= state.triple0]
    fast = norm._token_hits(state, low, text, triples, fast=True)
    slow = norm._token_hits(state, low, text, triples, fast=False)
    return _hit_key(fast), _hit_key(slow)


def test_token_scan_matches_trigger_loop(norm: Normalizer) -> None:
    for text in _texts():
        fast, slow = _both_token_passes(norm, text)
        assert fast == slow, text


def test_ascii_scan_matches_token_pass(norm: Normalizer) -> None:
    """The printable-ASCII pre-scan hands ``_once`` the hits of the generic token pass."""
    state = norm._state
    for text in _texts():
        if not (text.isascii() and text.isprintable()):
            continue
        low = text.lower()
        raw = low.encode("ascii")
        pre = norm._ascii_scan(state, low, text, raw, _printable_classes(raw))  # type: ignore[arg-type]
        if pre is None or pre[2] is None:
            continue
        triples = [s for i, s, _ in _ac_matches(state, low) if i >= state.triple0]
        assert _hit_key(pre[2]) == _hit_key(norm._token_hits(state, low, text, triples, fast=False)), text


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(_ALPHABET), max_size=60))
def test_token_scan_matches_trigger_loop_random(text: str) -> None:
    norm = _shared()
    fast, slow = _both_token_passes(norm, text)
    assert fast == slow


_SHARED: list[Normalizer] = []


def _shared() -> Normalizer:
    if not _SHARED:
        _SHARED.append(Normalizer())
    return _SHARED[0]


def _apply_edits_reference(
    text: str, edits: Sequence[tuple[int, int, str]]
) -> tuple[str, list[int], list[tuple[int, int]]]:
    """The general edit loop, without the one-for-one shortcut."""
    out: list[str] = []
    omap: list[int] = []
    spans: list[tuple[int, int]] = []
    prev, pending, pos = 0, None, 0
    for start, end, rep in edits:
        if start > prev:
            out.append(text[prev:start])
            if pending is not None:
                omap.append(pending)
                omap.extend(range(prev + 1, start))
                pending = None
            else:
                omap.extend(range(prev, start))
            pos += start - prev
        r = len(rep)
        if r == 0:
            if pending is None:
                pending = start
        else:
            span = end - start
            first = start if pending is None else pending
            pending = None
            omap.append(first)
            omap.extend(start + (j * span) // r for j in range(1, r))
            out.append(rep)
        spans.append((pos, pos + r))
        pos += r
        prev = end
    if prev < len(text):
        out.append(text[prev:])
        if pending is not None:
            omap.append(pending)
            omap.extend(range(prev + 1, len(text)))
        else:
            omap.extend(range(prev, len(text)))
    omap.append(len(text))
    return "".join(out), omap, spans


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_apply_edits_matches_reference(data: st.DataObject) -> None:
    text = data.draw(st.text(alphabet="abcxyz .", max_size=30))
    n = len(text)
    points = sorted(data.draw(st.sets(st.integers(0, n), max_size=8)))
    edits: list[tuple[int, int, str]] = []
    for a, b in itertools.pairwise(points):
        if data.draw(st.booleans()):
            continue
        one = data.draw(st.booleans())  # often one-for-one, to hit the shortcut
        end = a + 1 if one and a < n else b
        rep = data.draw(st.sampled_from(["Q"] if one else ["", "Q", "QR", "QRS"]))
        if edits and a < edits[-1][1]:
            continue
        edits.append((a, end, rep))
    assert apply_edits(text, edits) == _apply_edits_reference(text, edits)


def _skeletons_reference(token: str) -> list[str]:
    base: list[str] = []
    amb: list[int] = []
    for i, ch in enumerate(token):
        if "a" <= ch <= "z":
            base.append(ch)
        elif ch in LEET:
            base.append(LEET[ch])
            if ch in LEET_ALT:
                amb.append(i)
        elif ch in LEET_ALT:
            base.append(LEET_ALT[ch])
        else:
            return []
    out = ["".join(base)]
    amb = amb[:4]
    for r in range(1, len(amb) + 1):
        for combo in itertools.combinations(amb, r):
            alt = list(base)
            for i in combo:
                alt[i] = LEET_ALT[token[i]]
            out.append("".join(alt))
    if "ph" in out[0]:
        out.append(out[0].replace("ph", "f"))
    return out


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("abhpz01369!|£$@6+*é€")), max_size=12))
def test_skeletons_match_reference(token: str) -> None:
    assert Normalizer._skeletons(token) == _skeletons_reference(token)


def test_fast_constructors_build_equal_objects() -> None:
    nt = _new_nt("a b", "a b", range(4), (), "1.0.0", False, ())
    assert type(nt) is NormalizedText
    assert nt == NormalizedText("a b", "a b", range(4), (), "1.0.0", False, ())
    sub = _new_sub(0, 3, "k1l", "kil", "leet", "x", "1.0.0", "violence", True)
    assert type(sub) is Substitution
    assert sub == Substitution(0, 3, "k1l", "kil", "leet", "x", "1.0.0", "violence", True)
    with pytest.raises(AttributeError):
        sub.start = 1  # type: ignore[misc]  # still frozen


def _dump(result: NormalizedText) -> tuple[object, ...]:
    return (
        result.normalized,
        list(result.offset_map),
        [s.to_dict() for s in result.substitutions],
        result.truncated,
        result.notes,
    )


def test_caches_do_not_change_results(norm: Normalizer) -> None:
    """A warm normalizer (token and window caches full) answers like a fresh one."""
    texts = _texts()
    warm = [_dump(norm.normalize(t)) for t in texts]
    again = [_dump(norm.normalize(t)) for t in texts]
    fresh = Normalizer()
    cold = [_dump(fresh.normalize(t)) for t in reversed(texts)][::-1]
    assert warm == again == cold


def test_table_cases_still_expected(norm: Normalizer) -> None:
    for text, expected, _kinds, _harmful in CASES:
        assert norm.normalize(text).normalized == expected, text


def _reference_normalize(norm: Normalizer, text: str) -> NormalizedText:
    """``normalize()`` without its shortcuts: every run takes all three passes."""
    st = norm._state
    result, _ = norm._once(st, text, False, (), fast=False)
    assert result is not None
    for _ in range(3):
        if result.normalized == result.original:
            break
        again, _ = norm._once(st, result.normalized, False, (), same_as=result.normalized, fast=False)
        if again is None or again.normalized == result.normalized:
            break
        result = _compose(result, again)
    return result


def test_shortcuts_match_full_passes(norm: Normalizer) -> None:
    for text in _texts():
        assert _dump(norm.normalize(text)) == _dump(_reference_normalize(norm, text)), text


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(_ALPHABET), max_size=60))
def test_shortcuts_match_full_passes_random(text: str) -> None:
    norm = _shared()
    assert _dump(norm.normalize(text)) == _dump(_reference_normalize(norm, text))


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=30))
def test_spaced_literal_search_matches_trigger(text: str) -> None:
    low = text.lower()
    literal = _SPACED_CLASSES.search(b"s" + low.encode("ascii").translate(_SPACED_TT) + b"s")
    assert (literal is None) == (_SPACED_TRIGGER.search(" " + low + " ") is None)
    _assert_has_spaced(low, literal is not None)


def _assert_has_spaced(low: str, expected: bool) -> None:
    """Both engines' spaced-letter checks over the ``_ASCII_CLASSES`` bytes: the byte loop
    (compiled) and the class-range regex (interpreted)."""
    classes = low.encode("ascii").translate(_ASCII_CLASSES)
    assert _ascii_runs_loop(classes)[1] == expected, low
    assert (_SPACED_CLASS_RANGES.search(b"\x08" + classes + b"\x08") is not None) == expected, low


def test_spaced_literal_search_on_separator_runs() -> None:
    rng = random.Random(11)
    alphabet = list(" .-_/\\|~:+,*ab1@$!x?#")
    for _ in range(5000):
        low = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        literal = _SPACED_CLASSES.search(b"s" + low.encode("ascii").translate(_SPACED_TT) + b"s")
        assert (literal is None) == (_SPACED_TRIGGER.search(" " + low + " ") is None), low
        _assert_has_spaced(low, literal is not None)


def test_word_run_regexes_match_str_methods(norm: Normalizer) -> None:
    """``\\w`` is ``isalnum() or "_"`` for every code point (the homoglyph word scan relies on it)."""
    word_re = norm._state.word_re
    joiners = norm._state.joiners
    for cp in itertools.chain(range(0x30000), range(0xE0000, 0xE0200)):
        ch = chr(cp)
        assert (_ALNUM_RUN.fullmatch(ch) is not None) == ch.isalnum(), hex(cp)
        assert (word_re.fullmatch(ch) is not None) == (ch.isalnum() or ch == "_" or ch in joiners), hex(cp)


def _uncensor_reference(state: Any, token: str) -> str | None:
    """``_uncensor`` as a plain loop over the word lists (no bit sets)."""
    if token[0] in CENSOR_CHARS:
        return None
    head = token.rstrip("*#%")
    if len(head) < len(token) and len(head) >= 3 and not any(c in CENSOR_CHARS for c in head):
        return None
    slots: list[str | None] = []
    for ch in token:
        if ch in CENSOR_CHARS:
            slots.append(None)
        elif "a" <= ch <= "z":
            slots.append(ch)
        elif ch in LEET:
            slots.append(LEET[ch] + LEET_ALT.get(ch, ""))
        else:
            return None
    known = sum(sl is not None for sl in slots)
    first = slots[0] or ""
    n = len(slots)
    for f in first:
        for w in state.by_length.get((n, f), ()):
            if all(sl is None or w[i] in sl for i, sl in enumerate(slots)):
                return w
    runs = [i for i, sl in enumerate(slots) if sl is None and (i == 0 or slots[i - 1] is not None)]
    if known < 2 or len(runs) != 1:
        return None
    r1 = runs[0]
    while r1 < n and slots[r1] is None:
        r1 += 1
    prefix, suffix = slots[: runs[0]], slots[r1:]
    for extra in (1, 2, 3):
        for f in first:
            for w in state.by_length.get((n + extra, f), ()):
                if all(w[i] in sl for i, sl in enumerate(prefix) if sl is not None) and all(
                    w[len(w) - len(suffix) + i] in sl for i, sl in enumerate(suffix) if sl is not None
                ):
                    return w
    return None


def _near_words(norm: Normalizer, count: int, seed: int) -> list[str]:
    """Known words bent the ways the decoder undoes (leet, marks, runs, suffixes, "ph"),
    plus random symbol strings: tokens on both sides of every early reject."""
    rng = random.Random(seed)
    vocab = sorted(norm._state.vocab)
    readings: dict[str, list[str]] = {}
    for table in (LEET, LEET_ALT):
        for sym, letter in table.items():
            readings.setdefault(letter, []).append(sym)
    symbols = "*#%@$!|1034579+6£€¢¡(8"
    out: list[str] = []
    for _ in range(count):
        chars: list[str] = []
        for c in rng.choice(vocab):
            r = rng.random()
            if r < 0.2 and c in readings:
                chars.append(rng.choice(readings[c]))
            elif r < 0.3:
                chars.append(rng.choice("*#%"))
            elif r < 0.35:
                chars.append(c * rng.randint(2, 4))
            elif r < 0.38:
                continue
            elif r < 0.4:
                chars.append(c + rng.choice("abcdefghijklmnopqrstuvwxyz"))
            else:
                chars.append(c)
        tok = "".join(chars)
        if rng.random() < 0.3:
            tok += rng.choice(("ings", "ing", "ers", "er", "ed", "es", "s", "in", "z", "y"))
        if rng.random() < 0.1:
            tok = rng.choice(symbols) + tok
        if rng.random() < 0.1:
            tok = tok.replace("f", "ph")
        out.append(tok)
        out.append("".join(rng.choice("abcdehiklmnorstuz" + symbols) for _ in range(rng.randint(1, 10))))
    return [t for t in out if t]


def test_early_rejects_match_full_decoder(norm: Normalizer, monkeypatch: pytest.MonkeyPatch) -> None:
    """The head-letter reject (``_may_find``) and the bit-set ``_uncensor`` change no result."""
    state = norm._state
    tokens = _near_words(norm, 20_000, seed=3)
    fast = [(norm._lookup(state, t), norm._uncensor(state, t), norm._decode(state, t)) for t in tokens]
    windows = ["t.h.e.y l.o.o.k.e.d", "i k i l l", "a k i l l s", "x f.u.c.k.e.r.s", "s h i t z"]
    windows += [" ".join(t) for t in tokens[:3000] if t.isalpha()]
    fast_w = [norm._spaced_window_uncached(state, t) for t in windows]
    found = sum(f[0] is not None or f[1] is not None for f in fast)
    assert found > 1000  # the tokens do reach words
    monkeypatch.setattr(Normalizer, "_may_find", lambda self, st, token: True)
    monkeypatch.setattr(Normalizer, "_uncensor", lambda self, st, token: _uncensor_reference(st, token))
    slow = [(norm._lookup(state, t), norm._uncensor(state, t), norm._decode(state, t)) for t in tokens]
    assert fast == slow
    assert fast_w == [norm._spaced_window_uncached(state, t) for t in windows]


@settings(max_examples=1500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab z09@$*#%+.-_|!,?'~/:\\\t")), max_size=30))
def test_token_runs_byte_loop_matches_regex(text: str) -> None:
    """The compiled engine's one-pass byte loop finds the tokens ``_TOKEN_FAST`` finds, and
    tells spaced letters as ``_SPACED_TRIGGER`` does."""
    _assert_ascii_runs(text)


def _assert_ascii_runs(low: str) -> None:
    runs, spaced = _ascii_runs_loop(low.encode("ascii").translate(_ASCII_CLASSES))
    assert runs == _token_runs_re(low), low
    assert spaced == (_SPACED_TRIGGER.search(" " + low + " ") is not None), low


def test_token_runs_byte_loop_matches_regex_on_texts() -> None:
    for text in _texts():
        low = text.lower()
        if low.isascii():
            _assert_ascii_runs(low)


def _flag_reference(norm: Normalizer, low: str, hits: list[list[Any]]) -> None:
    """The word-per-hit version of ``_flag_char_hits`` (two regex scans per hit)."""
    st_ = norm._state
    n = len(low)
    rev = low[::-1]
    for h in hits:
        a = n - _ALNUM_RUN.match(rev, n - h[4]).end()  # type: ignore[union-attr]
        b = _ALNUM_RUN.match(low, h[5]).end()  # type: ignore[union-attr]
        word = low[a:b]
        idx = st_.vocab.get(word)
        if idx is not None and st_.strength.get(word, 0) >= 2:
            h[6] = st_.entries[idx]
            h[7] = st_.entries[idx].harmful


@settings(max_examples=600, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from([*"fuckshitkilas 1.!", "υ", "с", "к", "і", "！", "\u200b", "ｋ", "é"]),
        max_size=24,
    )
)
def test_flag_char_hits_matches_per_hit_scan(text: str) -> None:
    """One word scan for the hits of a word gives each hit the verdict of its own scan."""
    norm = _shared()
    state = norm._state
    t1, _, hits = norm._char_pass(state, text)
    low = t1.lower()
    if not hits or len(low) != len(t1):
        return
    fast = [list(h) for h in hits]
    slow = [list(h) for h in hits]
    norm._flag_char_hits(state, low, fast)
    _flag_reference(norm, low, slow)
    assert [(h[6], h[7]) for h in fast] == [(h[6], h[7]) for h in slow]


def test_printable_classes_tell_printable_ascii() -> None:
    """``_printable_classes`` is None exactly for ASCII text the old two-step check rejected."""
    for code in range(128):
        for text in (chr(code), f"ab{chr(code)}cd", f"{chr(code)} x\t\n"):
            old = text.isprintable() or _ASCII_SPECIAL.search(text) is None
            assert (_printable_classes(text.encode("ascii")) is not None) == old, repr(text)


def test_automaton_finds_every_occurrence_of_every_key(norm: Normalizer) -> None:
    """``_ac_matches`` is every (key, start, end) occurrence, overlapping, in character
    offsets (also past non-ASCII characters), ordered by end."""
    state = norm._state
    keys = state.ac_keys
    rng = random.Random(9)
    alphabet = [*_ALPHABET, *"ABKZ0\x00\t\n", "🔪", "🌽", "🍆", "️", "\u200d", "ｋ", "é"]
    texts = _texts()[:1500] + [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(500)
    ]
    ascii_keys = [k for k in keys if k.isascii()]
    emoji_keys = [k for k in keys if not k.isascii()]
    texts += [
        rng.choice(["", "é ", "🔪"]) + " ".join(rng.sample(ascii_keys, 2) + rng.sample(emoji_keys, 1))
        for _ in range(500)
    ]
    assert len(keys) == len(state.ac_values) > 1000
    for text in texts:
        low = text.lower()
        found = _ac_matches(state, low)
        expected = []
        for i, key in enumerate(keys):
            at = low.find(key)
            while at != -1:
                expected.append((i, at, at + len(key)))
                at = low.find(key, at + 1)
        assert sorted(found) == sorted(expected), low
        assert [e for _, _, e in found] == sorted(e for _, _, e in found)


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_char_deletions_match_apply_edits(data: st.DataObject) -> None:
    """Pass 1's deletion shortcut gives ``apply_edits``'s text, map and (per run) spans."""
    text = data.draw(st.text(alphabet="abc \u200b", max_size=25))
    positions = sorted(data.draw(st.sets(st.integers(0, max(0, len(text) - 1)), max_size=10)))
    positions = [p for p in positions if p < len(text)]
    edits = [(p, p + 1, data.draw(st.sampled_from(["", "Q"]))) for p in positions]
    # runs of adjacent same-kind edits, as _char_pass builds them
    hits: list[list[Any]] = []
    for p, _, rep in edits:
        kind = "d" if not rep else "r"
        if hits and hits[-1][1] == p and hits[-1][3] == kind:
            hits[-1][1] = p + 1
        else:
            hits.append([p, p + 1, rep, kind, 0, 0, None, False])
    out, omap, got = Normalizer._char_deletions(text, edits, hits)
    ref_out, ref_map, spans = apply_edits(text, edits)
    assert (out, omap) == (ref_out, ref_map)
    k = 0
    for h in got:
        n_edits = h[1] - h[0]
        assert (h[4], h[5]) == (spans[k][0], spans[k + n_edits - 1][1])
        k += n_edits


def _head_ok_reference(state: Any, head: str) -> bool:
    """``_head_ok`` as the product over every reading of every character."""
    readings: list[str] = []
    for ch in head:
        if "a" <= ch <= "z":
            readings.append(ch)
        elif ch in LEET or ch in LEET_ALT:
            readings.append(LEET.get(ch, "") + LEET_ALT.get(ch, ""))
        else:
            return False
    for letters in itertools.product(*readings):
        sk = "".join(letters)
        if sk in state.heads or _COLLAPSE.sub(lambda m: m.group(1), sk) in state.collapsed_heads:
            return True
    return False


def test_head_ok_single_reading_shortcut(norm: Normalizer) -> None:
    state = norm._state
    rng = random.Random(4)
    alphabet = "abcdefghijklmnopqrstuvwxyz" * 3 + "".join(sorted(set(LEET) | set(LEET_ALT))) + "#*-.é"
    heads = ["".join(rng.choice(alphabet) for _ in range(rng.choice((3, 4)))) for _ in range(30_000)]
    heads += ["".join(t) for t in itertools.product("aeiklostu", repeat=3)]
    heads += [w[:k] for w in sorted(state.vocab) for k in (3, 4) if len(w) >= k]
    for head in heads:
        assert Normalizer._head_ok(state, head) == _head_ok_reference(state, head), head


def _spaced_window_reference(norm: Normalizer, state: Any, tok: str) -> Any:
    """The window search through ``_decode(sub, spaced=True)`` for every window."""
    pos = [i for i, c in enumerate(tok) if c.isalnum() or c in "@$!"]
    n = len(pos)
    for drop in range(1, 5):
        for left in range(0, min(drop, 2) + 1):
            right = drop - left
            if right > 2 or n - drop < 3:
                continue
            res = norm._decode(state, tok[pos[left] : pos[n - 1 - right] + 1], spaced=True)
            if res is not None:
                return res, (pos[left], pos[n - 1 - right] + 1)
    return None


def test_spaced_window_letters_shortcut(norm: Normalizer) -> None:
    state = norm._state
    rng = random.Random(6)
    words = [w for w in sorted(state.vocab) if len(w) >= 3]
    toks = ["t.h.e.y l.o.o.k.e.d", "i k i l l", "a k i l l s", "x f.u.c.k.e.r.s", "s h i t z", "p h u c k"]
    for _ in range(4000):
        w = rng.choice(words)
        w = rng.choice("abxyz" + "  ")[:1] * rng.randint(0, 2) + w + rng.choice(["", "s", "ab", "z"])
        toks.append(rng.choice([" ", ".", "-", "_", " . "]).join(w.replace(" ", "")))
    for tok in toks:
        assert norm._spaced_window_uncached(state, tok) == _spaced_window_reference(norm, state, tok), tok


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list(" .-_/\\|~:+,*ab1@$!x?#A")), max_size=30))
def test_spaced_literal_finditer_matches_trigger(text: str) -> None:
    """The byte-class search gives the spaced-letter triggers at the same positions."""
    low = text.lower()
    literal = [
        m.start() for m in _SPACED_CLASSES.finditer(b"s" + low.encode("ascii").translate(_SPACED_TT) + b"s")
    ]
    assert literal == [m.start() for m in _SPACED_TRIGGER.finditer(" " + low + " ")]


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("azAZ09_@$* .\u017f\u0430\u212a\u00e9\U0001d41a")), max_size=12))
def test_letter_checks_match_str_methods(text: str) -> None:
    """The compiled engine's code-point loops equal the str-method and regex tests they replace
    (the Kelvin sign and long s lowercase to ASCII letters but are no a-z themselves)."""
    assert _is_az(text) == (text.isascii() and text.isalpha() and text.islower())
    assert _has_az(text) == (re.search("[a-z]", text) is not None)
