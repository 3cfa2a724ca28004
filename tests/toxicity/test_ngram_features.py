"""The numpy n-gram featurizer: same n-grams as a plain Python reference, same word TF-IDF as scikit-learn."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modops.detectors.ngram_features import (
    NgramTfidf,
    block_matrix,
    char_ngram_hashes,
    fit_block,
    word_ngram_hashes,
)

TEXTS = [
    "Hello world, hello WORLD",
    "I am a Black woman",
    "kill it",
    "",
    "   \t\n ",
    "İstanbul 𝐚𝐛𝐜 naïve_x y",
    "a\ud800b cd",  # lone surrogate
    "emoji 🔪🔪 and ｆｕｌｌｗｉｄｔｈ",
    "x" * 300,
]


def ref_words(text: str, ngrams: tuple[int, int]) -> list[str]:
    toks = re.findall(r"(?u)\b\w\w+\b", text.lower())
    out: list[str] = []
    for n in range(ngrams[0], ngrams[1] + 1):
        out += [" ".join(toks[i : i + n]) for i in range(len(toks) - n + 1)]
    return out


def ref_chars(text: str, ngrams: tuple[int, int]) -> list[str]:
    out: list[str] = []
    for word in text.lower().split():
        w = f" {word} "
        for n in range(ngrams[0], ngrams[1] + 1):
            out += [w[i : i + n] for i in range(len(w) - n + 1)]
    return out


def assert_same_ngrams(texts: list[str], fn, ref, ngrams: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    h = fn(texts, ngrams)
    expected = [(d, g) for d, t in enumerate(texts) for g in ref(t, ngrams)]
    assert len(h.key) == len(expected)
    # hashes ↔ strings must be a bijection: same multiplicity pattern per text and overall
    got = sorted(zip(h.doc.tolist(), h.key.tolist(), strict=True))
    for d in range(len(texts)):
        ref_counts = sorted(Counter(g for dd, g in expected if dd == d).values())
        got_counts = sorted(Counter(k for dd, k in got if dd == d).values())
        assert ref_counts == got_counts, texts[d]
    assert len({g for _, g in expected}) == len(set(h.key.tolist()))


@pytest.mark.parametrize("ngrams", [(1, 1), (1, 2), (2, 3)])
def test_word_ngrams_match_reference(ngrams: tuple[int, int]) -> None:
    assert_same_ngrams(TEXTS, word_ngram_hashes, ref_words, ngrams)


@pytest.mark.parametrize("ngrams", [(2, 5), (2, 3), (3, 3)])
def test_char_ngrams_match_reference(ngrams: tuple[int, int]) -> None:
    assert_same_ngrams(TEXTS, char_ngram_hashes, ref_chars, ngrams)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=40), min_size=1, max_size=5))
def test_ngrams_match_reference_on_any_text(texts: list[str]) -> None:
    assert_same_ngrams(texts, word_ngram_hashes, ref_words, (1, 2))
    assert_same_ngrams(texts, char_ngram_hashes, ref_chars, (2, 4))


def test_hash_of_a_text_does_not_depend_on_its_batch() -> None:
    alone = char_ngram_hashes(["kill it"], (2, 5)).key
    batched = char_ngram_hashes(["foo bar", "kill it", "baz"], (2, 5))
    assert set(alone.tolist()) == set(batched.key[batched.doc == 1].tolist())


def test_word_block_equals_sklearn_tfidf() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    train = [f"the cat {w} sat on the {w} mat" for w in ("red", "blue", "red", "big", "small")] + TEXTS
    test = ["the red cat sat", "a big blue mat mat", "", "unknown words only"]
    sk = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, dtype=np.float32).fit(train)
    ours = fit_block("word", (1, 2), train, min_df=2, max_features=None)
    assert len(ours.keys) == len(sk.vocabulary_)
    a, b = sk.transform(test), block_matrix(ours, test)
    for i in range(len(test)):
        assert np.allclose(np.sort(a[i].data), np.sort(b[i].data), atol=1e-6)


def test_transform_linear_and_round_trip(tmp_path: Path) -> None:
    train = [f"text number {i} about {w}" for i, w in enumerate(["cats", "dogs", "kill", "love"] * 10)]
    f = NgramTfidf.fit(train, min_df=2, word_max_features=5, char_max_features=50)
    assert f.n_features == 55
    x = f.transform(TEXTS)
    assert x.shape == (len(TEXTS), 55)
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    assert np.all((np.abs(norms - np.sqrt(2)) < 1e-5) | (np.abs(norms - 1.0) < 1e-5) | (norms == 0))
    coef = np.random.default_rng(0).normal(size=(55, 3)).astype(np.float32)
    assert np.allclose(x @ coef, f.linear(TEXTS, coef), atol=1e-5)
    np.savez(tmp_path / "f.npz", **f.to_arrays())
    with np.load(tmp_path / "f.npz", allow_pickle=False) as z:
        g = NgramTfidf.from_arrays(z)
    assert np.allclose(g.linear(TEXTS, coef), f.linear(TEXTS, coef))
    assert f.linear([], coef).shape == (0, 3)


def test_char_unigrams_are_refused() -> None:
    with pytest.raises(ValueError, match="length 2"):
        char_ngram_hashes(["abc"], (1, 3))


def test_malformed_arrays_are_rejected() -> None:
    f = NgramTfidf.fit(["a bb ccc", "bb ccc dd"], min_df=1)
    arrays = f.to_arrays()
    arrays["char_keys"] = arrays["char_keys"][::-1].copy()  # not sorted
    with pytest.raises(ValueError, match="malformed"):
        NgramTfidf.from_arrays(arrays)
