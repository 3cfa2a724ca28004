"""Word and character n-gram TF-IDF features, computed for a whole batch with numpy.

scikit-learn's ``TfidfVectorizer`` builds every n-gram as a Python string, one text at a time, which
capped the linear toxicity model near 4k texts/s. Here each n-gram is a 64-bit hash computed with array
arithmetic over the batch's code points, and the vocabulary is a sorted array of hashes, so a
lookup is one ``searchsorted``. Distinct n-grams collide with probability about 2⁻⁶⁴ per pair.

Semantics (used identically for training and inference):

* text is lower-cased; ``str.split()`` gives the words;
* **char** block: n-grams (default 2–5) inside each word padded with one space on each side, like
  scikit-learn's ``char_wb`` (a word shorter than ``n`` gives no ``n``-gram);
* **word** block: tokens are runs of two or more word characters (``str.isalnum`` or ``_``), like
  scikit-learn's default token pattern; n-grams (default 1–2) of consecutive tokens of one text;
* each block: sublinear TF (``1 + ln tf``) × smooth IDF, rows L2-normalised, then the blocks are
  concatenated (word columns first).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

_U64 = np.uint64
_MASK = (1 << 64) - 1
_P = 0x9E3779B97F4A7C15  # odd multiplier: the polynomial hash is invertible modulo 2**64
_P_INV = pow(_P, -1, 1 << 64)
_SALT_CHAR = 0x5851F42D4C957F2D
_SALT_WORD = 0x14057B7EF767814F
_SALT_PAIR = 0x2545F4914F6CDD1D
_BMP = 0x10000
_word_table: np.ndarray | None = None


def _is_word_table() -> np.ndarray:
    """Boolean table: is code point ``c`` (< 0x10000) a word character (``\\w`` in ``re``)?"""
    global _word_table
    if _word_table is None:
        chars = "".join(map(chr, range(0xD800))) + "\0" * 0x800 + "".join(map(chr, range(0xE000, _BMP)))
        _word_table = np.fromiter((c.isalnum() or c == "_" for c in chars), dtype=bool, count=_BMP)
    return _word_table


def _mix(h: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: spreads the polynomial hash over all 64 bits (vectorised)."""
    h = h ^ (h >> _U64(30))
    h = h * _U64(0xBF58476D1CE4E5B9)
    h = h ^ (h >> _U64(27))
    h = h * _U64(0x94D049BB133111EB)
    return h ^ (h >> _U64(31))


_pow_cache: tuple[np.ndarray, np.ndarray] = (np.ones(1, _U64), np.ones(1, _U64))


def _powers(n: int) -> tuple[np.ndarray, np.ndarray]:
    """``(P^k, P^-k)`` for ``k < n`` at least (wrapping uint64 arithmetic), grown by doubling and cached."""
    global _pow_cache
    if len(_pow_cache[0]) < n:
        size = max(n, 2 * len(_pow_cache[0]))
        p = np.empty(size, _U64)
        q = np.empty(size, _U64)
        p[0] = q[0] = 1
        np.cumprod(np.full(size - 1, _P, dtype=_U64), out=p[1:])
        np.cumprod(np.full(size - 1, _P_INV, dtype=_U64), out=q[1:])
        _pow_cache = (p, q)
    return _pow_cache


def _codepoints(text: str) -> np.ndarray:
    # surrogatepass: a lone surrogate is a code point like any other, never an encoding error
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4").astype(_U64)


@dataclass
class NgramHashes:
    """Hashes of every n-gram occurrence in a batch: ``doc[i]`` is the text that ``key[i]`` came from."""

    doc: np.ndarray
    key: np.ndarray


def char_ngram_hashes(texts: Sequence[str], ngrams: tuple[int, int]) -> NgramHashes:
    """Hashes of the padded-word character n-grams of every text (see the module docstring)."""
    lo, hi = ngrams
    if lo < 2:
        raise ValueError("character n-grams start at length 2 (a padded word's single spaces are no feature)")
    # each word becomes " word "; words and texts are separated by a second space, and no valid
    # n-gram contains two spaces in a row, so nothing spans two words or two texts
    docs = [" " + "  ".join(t.lower().split()) + " " for t in texts]
    lengths = np.fromiter((len(d) + 1 for d in docs), dtype=np.int64, count=len(docs))
    a = _codepoints(" ".join(docs))
    n_pos = len(a)
    if n_pos == 0:
        return NgramHashes(np.zeros(0, np.int64), np.zeros(0, _U64))
    doc_of = np.repeat(np.arange(len(docs), dtype=np.int64), lengths)[:n_pos]
    space = a == _U64(32)
    double = np.zeros(n_pos, dtype=np.int64)
    double[1:] = np.cumsum(space[1:] & space[:-1])  # double[i]: double spaces ending at or before i
    docs_out: list[np.ndarray] = []
    keys_out: list[np.ndarray] = []
    h = a.copy()
    for n in range(1, hi + 1):
        if n > 1:
            h = h[:-1] * _U64(_P) + a[n - 1 :]  # polynomial hash, extended by one character
        if n < lo or len(h) == 0:
            continue
        m = len(h)
        ok = double[n - 1 : n - 1 + m] == double[:m]  # no "  " inside [start, start + n)
        docs_out.append(doc_of[:m][ok])
        keys_out.append(h[ok] + _U64((_SALT_CHAR * n) & _MASK))  # the salt keeps lengths apart
    if not keys_out:
        return NgramHashes(np.zeros(0, np.int64), np.zeros(0, _U64))
    return NgramHashes(np.concatenate(docs_out), _mix(np.concatenate(keys_out)))


def word_ngram_hashes(texts: Sequence[str], ngrams: tuple[int, int]) -> NgramHashes:
    """Hashes of the token n-grams of every text (see the module docstring)."""
    lo, hi = ngrams
    lowered = [t.lower() for t in texts]  # lower() may change a text's length ("İ" → "i̇")
    a = _codepoints("\n".join(lowered))  # "\n" is not a word character: tokens stop there
    n_pos = len(a)
    if n_pos == 0:
        return NgramHashes(np.zeros(0, np.int64), np.zeros(0, _U64))
    lengths = np.fromiter((len(t) + 1 for t in lowered), dtype=np.int64, count=len(lowered))
    doc_of = np.repeat(np.arange(len(lowered), dtype=np.int64), lengths)[:n_pos]
    table = _is_word_table()
    bmp = a < _U64(_BMP)
    is_word = np.zeros(n_pos, dtype=bool)
    is_word[bmp] = table[a[bmp].astype(np.int64)]
    if not bmp.all():  # astral code points (rare): ask Python
        idx = np.flatnonzero(~bmp)
        is_word[idx] = [chr(int(c)).isalnum() for c in a[idx]]
    edges = np.diff(np.concatenate(([False], is_word, [False])).astype(np.int8))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    keep = ends - starts >= 2
    starts, ends = starts[keep], ends[keep]
    if len(starts) == 0:
        return NgramHashes(np.zeros(0, np.int64), np.zeros(0, _U64))
    # polynomial hash of a[s:e] = sum_j a[j] P^(e-1-j) = P^(e-1) (S[e] - S[s]), S[k] = sum_{j<k} a[j] P^-j
    p_pow, pinv_pow = _powers(n_pos)
    prefix = np.zeros(n_pos + 1, dtype=_U64)
    np.cumsum(a * pinv_pow[:n_pos], out=prefix[1:])
    tok = p_pow[ends - 1] * (prefix[ends] - prefix[starts])
    tok = _mix(tok ^ _U64(_SALT_WORD))
    tok_doc = doc_of[starts]
    docs_out: list[np.ndarray] = []
    keys_out: list[np.ndarray] = []
    h = tok
    for n in range(1, hi + 1):
        if n > 1:
            h = _mix(h[:-1] * _U64(_P) + tok[n - 1 :] + _U64(_SALT_PAIR))
        if n < lo or len(h) == 0:
            continue
        same = tok_doc[: len(h)] == tok_doc[n - 1 :]
        docs_out.append(tok_doc[: len(h)][same])
        keys_out.append(h[same])
    if not keys_out:
        return NgramHashes(np.zeros(0, np.int64), np.zeros(0, _U64))
    return NgramHashes(np.concatenate(docs_out), np.concatenate(keys_out))


class Block:
    """One feature block: its sorted vocabulary of hashes (column ``j`` is ``keys[j]``) and IDF weights.

    Lookups go through a bucket index on the hashes' top bits (about four buckets per key, so most
    buckets hold at most one key): two array reads per n-gram instead of a binary search.
    """

    def __init__(self, kind: str, ngrams: tuple[int, int], keys: np.ndarray, idf: np.ndarray) -> None:
        self.kind = kind  # "word" or "char"
        self.ngrams = ngrams
        self.keys = np.ascontiguousarray(keys, dtype=_U64)
        self.idf = np.ascontiguousarray(idf, dtype=np.float32)
        bits = max(4, int(np.ceil(np.log2(max(len(self.keys), 1) * 4))))
        self._shift = _U64(64 - bits)
        self._starts = np.searchsorted(self.keys >> self._shift, np.arange((1 << bits) + 1, dtype=_U64))
        sizes = np.diff(self._starts)
        self._depth = int(sizes.max()) if len(sizes) else 0

    def hashes(self, texts: Sequence[str]) -> NgramHashes:
        fn = word_ngram_hashes if self.kind == "word" else char_ngram_hashes
        return fn(texts, self.ngrams)

    def lookup(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(hit, column)``: which ``keys`` are in the vocabulary, and the columns of those that are."""
        if not len(self.keys) or not len(keys):
            return np.zeros(len(keys), dtype=bool), np.zeros(0, dtype=np.int64)
        b = (keys >> self._shift).astype(np.intp)
        pos = self._starts[b]
        end = self._starts[b + 1]
        col = np.full(len(keys), -1, dtype=np.int64)
        todo = np.flatnonzero(pos < end)
        for _ in range(self._depth):  # each round resolves every key whose bucket has one more entry
            if not len(todo):
                break
            p = pos[todo]
            match = self.keys[p] == keys[todo]
            col[todo[match]] = p[match]
            pos[todo] += 1
            todo = todo[~match & (pos[todo] < end[todo])]
        hit = col >= 0
        return hit, col[hit]

    def entries(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(row, column, value)`` of the block's TF-IDF matrix (L2-normalised rows), row-major order."""
        h = self.hashes(texts)
        hit, col = self.lookup(h.key)
        n_cols = max(len(self.keys), 1)
        combined = np.sort(h.doc[hit] * n_cols + col)
        first = np.flatnonzero(np.concatenate((combined[:1] >= 0, combined[1:] != combined[:-1])))
        counts = np.diff(np.append(first, len(combined)))
        rows, cols = np.divmod(combined[first], n_cols)
        data = (1.0 + np.log(counts)).astype(np.float32) * self.idf[cols]
        norms = np.sqrt(np.bincount(rows, weights=np.square(data, dtype=np.float64), minlength=len(texts)))
        data /= norms[rows].astype(np.float32)  # a row with an entry has a positive norm
        return rows, cols, data


def fit_block(
    kind: str, ngrams: tuple[int, int], texts: Sequence[str], min_df: int, max_features: int | None
) -> Block:
    """Vocabulary (document frequency ≥ ``min_df``, the ``max_features`` most frequent) and smooth IDF."""
    fn = word_ngram_hashes if kind == "word" else char_ngram_hashes
    h = fn(texts, ngrams)
    keys, inverse, tf = np.unique(h.key, return_inverse=True, return_counts=True)
    n_docs = max(len(texts), 1)
    pairs = np.unique(inverse.astype(np.int64) * n_docs + h.doc)
    df = np.bincount(pairs // n_docs, minlength=len(keys))
    keep = np.flatnonzero(df >= min_df)
    if max_features is not None and len(keep) > max_features:
        # most frequent first (stable, so ties keep hash order): scikit-learn's max_features rule
        keep = keep[np.argsort(-tf[keep], kind="stable")[:max_features]]
        keep.sort()
    idf = np.log((1 + len(texts)) / (1 + df[keep])) + 1.0
    return Block(kind, ngrams, keys[keep], idf.astype(np.float32))


def block_matrix(block: Block, texts: Sequence[str]) -> Any:
    """The block's TF-IDF rows for ``texts`` (CSR, float32, L2-normalised rows)."""
    from scipy.sparse import csr_matrix

    rows, cols, data = block.entries(texts)
    indptr = np.concatenate(([0], np.cumsum(np.bincount(rows, minlength=len(texts)))))
    return csr_matrix((data, cols, indptr), shape=(len(texts), len(block.keys)))


class NgramTfidf:
    """Word + char n-gram TF-IDF features (see the module docstring); fit, transform, save as arrays."""

    def __init__(self, blocks: list[Block]) -> None:
        self.blocks = blocks

    @classmethod
    def fit(
        cls,
        texts: Sequence[str],
        word_ngrams: tuple[int, int] = (1, 2),
        char_ngrams: tuple[int, int] = (2, 5),
        min_df: int = 2,
        word_max_features: int | None = None,
        char_max_features: int | None = None,
    ) -> NgramTfidf:
        return cls(
            [
                fit_block("word", tuple(word_ngrams), texts, min_df, word_max_features),  # type: ignore[arg-type]
                fit_block("char", tuple(char_ngrams), texts, min_df, char_max_features),  # type: ignore[arg-type]
            ]
        )

    @property
    def n_features(self) -> int:
        return sum(len(b.keys) for b in self.blocks)

    def transform(self, texts: Sequence[str]) -> Any:
        from scipy.sparse import hstack

        return hstack([block_matrix(b, texts) for b in self.blocks], format="csr")

    def linear(self, texts: Sequence[str], coef: np.ndarray) -> np.ndarray:
        """``transform(texts) @ coef`` without building a sparse matrix (the inference hot path)."""
        out = np.zeros((len(texts), coef.shape[1]), dtype=np.float64)
        offset = 0
        for b in self.blocks:
            rows, cols, data = b.entries(texts)
            if len(rows):
                contrib = coef[offset + cols] * data[:, None]
                first = np.flatnonzero(np.concatenate(([True], rows[1:] != rows[:-1])))  # rows are sorted
                out[rows[first]] += np.add.reduceat(contrib, first, axis=0)
            offset += len(b.keys)
        return out

    def to_arrays(self) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for b in self.blocks:
            out[f"{b.kind}_keys"] = b.keys
            out[f"{b.kind}_idf"] = b.idf
            out[f"{b.kind}_ngrams"] = np.asarray(b.ngrams, dtype=np.int64)
        return out

    @classmethod
    def from_arrays(cls, arrays: Any) -> NgramTfidf:
        blocks = []
        for kind in ("word", "char"):
            keys = np.asarray(arrays[f"{kind}_keys"], dtype=_U64)
            idf = np.asarray(arrays[f"{kind}_idf"], dtype=np.float32)
            lo, hi = (int(x) for x in arrays[f"{kind}_ngrams"])
            if keys.shape != idf.shape or np.any(keys[1:] <= keys[:-1]) or not 1 <= lo <= hi <= 8:
                raise ValueError(f"malformed {kind} feature block")
            blocks.append(Block(kind, (lo, hi), keys, idf))
        return cls(blocks)
