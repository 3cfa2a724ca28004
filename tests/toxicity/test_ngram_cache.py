"""The per-word cached inference path of ``NgramTfidf.linear`` is bit-identical to the batch path.

The reference below is the original ``linear``: each block's ``entries`` (whole-batch hashing, a plain
binary-search lookup), then ``out[rows] += reduceat(coef[cols] * data)`` block by block.
"""

from __future__ import annotations

import itertools
import re
import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import modops.detectors.ngram_features as nf
from modops.detectors.ngram_features import Block, NgramTfidf
from modops.detectors.toxicity import DEFAULT_BOUNDS, harm_from_cumulative, sigmoid

TRICKY = [
    "İ",  # lower() makes it two characters
    "Σ",  # lower() depends on context (final sigma)
    "ς",
    "ß",
    "ǅ",
    "ﬁ",
    "\ud800",  # lone surrogates
    "\udfff",
    "😀",  # astral
    "𝐚",
    "_",
    "-",
    "'",
    " ",
    "\t",
    "\n",
    "\u3000",  # whitespace for str.split()
    "\x1c",
    "\u0307",  # combining dot
    "0",
]
CORPUS = [
    "you are a stupid idiot and everyone knows it",
    "have a lovely day my friend",
    "ΟΔΟΣ ΟΔΟΣ σας Σ İstanbul naïve_x ǅungla ﬁne",
    "emoji 😀😀 and ｆｕｌｌｗｉｄｔｈ 𝐚𝐛𝐜 text",
    "send it to bob@example.com or call 555-1234",
    "kill it with fire lol, kill it",
    "a\ud800b cd \udfff e_f __ x1 12",
    "the cat sat on the mat the cat",
] * 2
CORPUS_WORDS = sorted(set(" ".join(CORPUS).split()))
TEXTS = st.one_of(
    st.text(alphabet=st.one_of(st.characters(), st.sampled_from(TRICKY)), max_size=60),
    # known words (vocabulary hits), mixed case and glued to odd characters
    st.lists(st.sampled_from(CORPUS_WORDS + [w.upper() for w in CORPUS_WORDS] + TRICKY), max_size=12).map(
        " ".join
    ),
    st.lists(st.sampled_from(CORPUS_WORDS + TRICKY), max_size=8).map("".join),
)
WORDS = st.text(alphabet=st.one_of(st.characters(), st.sampled_from(TRICKY)), min_size=1, max_size=12).map(
    lambda w: "".join(w.lower().split()) or "x"
)


@pytest.fixture(scope="module")
def model() -> tuple[NgramTfidf, np.ndarray]:
    f = NgramTfidf.fit(CORPUS, min_df=1)
    coef = np.random.default_rng(0).normal(size=(f.n_features, 3)).astype(np.float32)
    return f, coef


def ref_lookup(block: Block, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if not len(block.keys):
        return np.zeros(len(keys), bool), np.zeros(0, np.int64)
    pos = np.minimum(np.searchsorted(block.keys, keys), len(block.keys) - 1)
    hit = block.keys[pos] == keys
    return hit, pos[hit].astype(np.int64)


def ref_linear(f: NgramTfidf, texts: list[str], coef: np.ndarray) -> np.ndarray:
    out = np.zeros((len(texts), coef.shape[1]), dtype=np.float64)
    offset = 0
    for b in f.blocks:
        h = b.hashes(texts)
        hit, col = ref_lookup(b, h.key)
        rows, cols, data = b._tfidf(h.doc[hit], col, len(texts))
        if len(rows):
            contrib = coef[offset + cols] * data[:, None]
            first = np.flatnonzero(np.concatenate(([True], rows[1:] != rows[:-1])))
            out[rows[first]] += np.add.reduceat(contrib, first, axis=0)
        offset += len(b.keys)
    return out


def same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and bool(np.array_equal(a, b))


@settings(max_examples=150, deadline=None)
@given(st.lists(TEXTS, min_size=1, max_size=nf._CACHED_MAX_TEXTS + 3))
def test_linear_is_bit_identical_to_the_batch_path(
    model: tuple[NgramTfidf, np.ndarray], texts: list[str]
) -> None:
    f, coef = model
    expected = ref_linear(f, texts, coef)
    assert same(f.linear(texts, coef), expected)  # words partly new
    assert same(f.linear(texts, coef), expected)  # every word cached now
    for t in texts:  # one text per call: the single-doc shortcuts
        assert same(f.linear([t], coef), ref_linear(f, [t], coef))


@settings(max_examples=100, deadline=None)
@given(st.lists(TEXTS, min_size=1, max_size=4))
def test_cold_cache_is_bit_identical(model: tuple[NgramTfidf, np.ndarray], texts: list[str]) -> None:
    f, coef = model
    f._word_cache.clear()
    assert same(f.linear(texts, coef), ref_linear(f, texts, coef))


def test_fixed_edge_cases(model: tuple[NgramTfidf, np.ndarray]) -> None:
    f, coef = model
    cases = [
        [""],
        ["   \t\n "],
        ["", "kill it", ""],
        ["!!! ... ???"],
        ["ΟΔΟΣ ΟΔΟΣ. Σ ΑΣ"],
        ["İİİ İx"],
        ["a\ud800b \udfff"],
        ["x" * 10_000],
        ["word " * 2_000],
        ["😀" * 500 + " 😀"],
        [c * 3 for c in TRICKY],
        CORPUS,
        *([w] for w in CORPUS_WORDS),  # one new word per call: the plain-Python hashing path
        [" ".join(CORPUS_WORDS[:3])],
    ]
    for texts in cases:
        f._word_cache.clear()
        expected = ref_linear(f, texts, coef)
        assert same(f.linear(texts, coef), expected)
        assert same(f.linear(texts, coef), expected)
    assert "x" * 10_000 not in f._word_cache  # too long to keep
    assert f.linear([], coef).shape == (0, 3)


def test_cache_stays_bounded_and_exact(
    model: tuple[NgramTfidf, np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    f, coef = model
    monkeypatch.setattr(nf, "_CACHE_WORDS", 20)
    f._word_cache.clear()
    rng = np.random.default_rng(1)
    vocab = [f"w{i}x" for i in range(200)] + CORPUS[2].split()
    for _ in range(60):
        texts = [" ".join(rng.choice(vocab, size=8)) for _ in range(int(rng.integers(1, 5)))]
        assert same(f.linear(texts, coef), ref_linear(f, texts, coef))
        assert len(f._word_cache) <= 20
    # one batch with more new words than the whole cache holds
    monkeypatch.setattr(nf, "_CACHED_MAX_TEXTS", 1000)
    texts = [" ".join(vocab[i : i + 10]) for i in range(0, 200, 10)]
    assert same(f.linear(texts, coef), ref_linear(f, texts, coef))
    assert len(f._word_cache) <= 20


def test_many_new_words_take_the_batch_path(
    model: tuple[NgramTfidf, np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    f, coef = model
    monkeypatch.setattr(nf, "_MISS_MAX_WORDS", 3)
    monkeypatch.setattr(nf, "_MISS_FILL", 3)
    f._word_cache.clear()
    texts = ["kill it with fire lol", "have a lovely day my friend", "x" * 40 + " cat sat"]
    expected = ref_linear(f, texts, coef)
    sizes = []
    for _ in range(6):  # each call caches at most 3 more words, then the per-word path takes over
        assert same(f.linear(texts, coef), expected)
        sizes.append(len(f._word_cache))
    assert sizes[0] == 3 and all(b - a <= 3 for a, b in itertools.pairwise(sizes))
    assert "x" * 40 not in f._word_cache and sizes[-1] == len({w for t in texts for w in t.split()}) - 1


def test_threads_share_the_cache(
    model: tuple[NgramTfidf, np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    f, coef = model
    monkeypatch.setattr(nf, "_CACHE_WORDS", 16)  # evictions race with reads
    rng = np.random.default_rng(2)
    vocab = [f"t{i}y" for i in range(100)] + CORPUS[0].split()
    batches = [[" ".join(rng.choice(vocab, size=6)) for _ in range(2)] for _ in range(200)]
    expected = [ref_linear(f, b, coef) for b in batches]
    errors: list[str] = []

    def work(offset: int) -> None:
        for i in range(len(batches)):
            j = (i + offset) % len(batches)
            if not same(f.linear(batches[j], coef), expected[j]):
                errors.append(f"batch {j}")

    threads = [threading.Thread(target=work, args=(k * 37,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


@settings(max_examples=200, deadline=None)
@given(st.lists(WORDS, min_size=1, max_size=6))
def test_word_level_hashes_match_the_batch_functions(words: list[str]) -> None:
    batch = nf._padded_char_hashes([f" {w} " for w in words], (2, 5))
    keys, word = nf._word_char_hashes(words, (2, 5))
    assert np.all(np.diff(word) >= 0)  # grouped by word
    for i, w in enumerate(words):
        expected = sorted(batch.key[batch.doc == i].tolist())
        assert sorted(keys[word == i].tolist()) == expected
        assert sorted(nf._py_char_keys(w, (2, 5))) == expected
        tok, _ = nf._word_tokens([w])
        assert nf._py_token_hashes(w) == tok.tolist()


def test_token_regex_matches_the_word_table() -> None:
    table = nf._is_word_table()
    for cp in range(0x110000):
        c = chr(cp)
        word = bool(table[cp]) if cp < 0x10000 else c.isalnum()
        assert (nf._TOKEN.pattern == r"\w\w+") and (re.fullmatch(r"\w", c) is not None) == word, hex(cp)
        if c.isspace():  # tokens never cross str.split() boundaries
            assert not word, hex(cp)


def test_lookup_paths_agree() -> None:
    rng = np.random.default_rng(3)
    keys = np.unique(rng.integers(0, 2**64 - 1, size=5000, dtype=np.uint64))
    block = Block("word", (1, 2), keys, np.ones(len(keys), np.float32))
    for n in (1, 7, nf._GATHER_MAX, nf._GATHER_MAX + 1, 20_000):
        probe = np.concatenate(
            (rng.choice(keys, n // 2), rng.integers(0, 2**64 - 1, size=n - n // 2, dtype=np.uint64))
        )
        probe = np.concatenate((probe, keys[:1], keys[-1:], np.array([0, 2**64 - 1], dtype=np.uint64)))
        hit, col = block.lookup(probe)
        ref_hit, ref_col = ref_lookup(block, probe)
        assert same(hit, ref_hit) and np.array_equal(col, ref_col) and col.dtype == np.int64


def old_harm(cum: np.ndarray, cutoffs: tuple[float, ...], bounds: tuple[float, ...]) -> np.ndarray:
    """``harm_from_cumulative`` before the rewrite (the reference)."""
    cum = np.asarray(cum, dtype=float).reshape(-1, 3)
    cum = np.minimum.accumulate(cum, axis=1)
    t = np.clip(np.asarray(cutoffs, dtype=float), 1e-6, 1 - 1e-6)
    edges = np.array([0.0, *bounds, 1.0])
    above = cum >= t
    level = np.where(~above[:, 0], 0, np.where(~above[:, 1], 1, np.where(~above[:, 2], 2, 3)))
    nxt = np.column_stack([cum, np.zeros(len(cum))])
    frac = np.empty(len(cum))
    top = level == 3
    frac[~top] = np.clip(nxt[~top, level[~top]] / t[np.minimum(level[~top], 2)], 0, 1 - 1e-9)
    frac[top] = np.clip((cum[top, 2] - t[2]) / (1 - t[2]), 0, 1)
    lo, hi = edges[level], edges[level + 1]
    return np.clip(lo + (hi - lo) * frac, 0.0, 1.0)


@pytest.mark.parametrize(
    ("cutoffs", "bounds"),
    [
        ((0.5, 0.5, 0.5), DEFAULT_BOUNDS),
        ((0.4, 0.4, 0.125), DEFAULT_BOUNDS),
        ((0.3, 0.6, 0.4), (0.1, 0.55, 0.9)),
        ((0.0, 1.0, 0.5), (0.2, 0.5, 1.5)),
        ((float("nan"), 0.5, 0.5), (-0.0, 0.5, 0.8)),
    ],
)
def test_harm_is_bit_identical(cutoffs: tuple[float, ...], bounds: tuple[float, ...]) -> None:
    rng = np.random.default_rng(4)
    cum = rng.random((3000, 3))
    cum[:50] = rng.choice([0.0, -0.0, 0.125, 0.4, 0.5, 1.0, np.nan], size=(50, 3))
    got, expected = harm_from_cumulative(cum, cutoffs, bounds), old_harm(cum, cutoffs, bounds)
    assert got.dtype == expected.dtype and np.array_equal(got, expected, equal_nan=True)
    for row in cum[:80]:
        assert np.array_equal(
            harm_from_cumulative(row, cutoffs, bounds), old_harm(row, cutoffs, bounds), equal_nan=True
        )
    assert harm_from_cumulative(np.zeros((0, 3)), cutoffs, bounds).shape == (0,)


def test_sigmoid_is_unchanged() -> None:
    x = np.concatenate([np.linspace(-60, 60, 2001), [np.nan, np.inf, -np.inf, -0.0]])
    for arr in (x, x.astype(np.float32), x[1:].reshape(-1, 2)):
        assert np.array_equal(sigmoid(arr), 1.0 / (1.0 + np.exp(-np.clip(arr, -40, 40))), equal_nan=True)
