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

Inference (:meth:`NgramTfidf.linear`) on small batches avoids most of the per-batch numpy calls:
both blocks decompose over the words of ``text.lower().split()``, so each word's in-vocabulary char
columns and token hashes are cached (bounded), and only the word n-grams that span tokens are hashed
per batch. The result is bit-identical to the batch path (``Block.entries``) that training uses.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from modops.caches import evict_half

_U64 = np.uint64
_MASK = (1 << 64) - 1
_P = 0x9E3779B97F4A7C15  # odd multiplier: the polynomial hash is invertible modulo 2**64
_P_INV = pow(_P, -1, 1 << 64)
_SALT_CHAR = 0x5851F42D4C957F2D
_SALT_WORD = 0x14057B7EF767814F
_SALT_PAIR = 0x2545F4914F6CDD1D
_BMP = 0x10000
_word_table: np.ndarray | None = None
_GATHER_MAX = 512  # Block.lookup: one 2-D gather up to this many keys, the bucket loop above
_CACHED_MAX_TEXTS = 8  # NgramTfidf.linear: per-word cache up to this batch size, whole-batch hashing above
_CACHE_WORDS = 50_000  # per-word cache of NgramTfidf.linear: entries per featurizer
_CACHE_WORD_CHARS = 32  # longer words (URLs, junk) are computed each time: bounds the cache's bytes
_MISS_MAX_WORDS = 24  # more new words than this in a batch: batch path, and only _MISS_FILL get cached
_MISS_FILL = 8  # (a cold cache fills over a few calls without making any one of them slow)
_PY_CHAR_MISS = 16  # new words of a batch: char n-grams hashed in plain Python up to this many chars,
_WINDOW_CHAR_MISS = 64  # ... with one window matrix up to this many, the loop over lengths above
_PY_WORD_MISS = 96  # ... and their tokens up to this many chars (a regex + a few int ops per char)
_TOKEN = re.compile(r"\w\w+")  # \w is str.isalnum() or "_", the word block's word characters


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


def _py_mix(h: int) -> int:
    """:func:`_mix` of one hash, in Python ints (cheaper than numpy for a few values)."""
    h ^= h >> 30
    h = (h * 0xBF58476D1CE4E5B9) & _MASK
    h ^= h >> 27
    h = (h * 0x94D049BB133111EB) & _MASK
    return h ^ (h >> 31)


def _py_char_keys(word: str, ngrams: tuple[int, int]) -> list[int]:
    """The char block's n-gram hashes of one word (no whitespace inside), as ``char_ngram_hashes``."""
    lo, hi = ngrams
    a = [32, *map(ord, word), 32]  # ord: one code point per character, like utf-32 with surrogatepass
    out: list[int] = []
    h = a
    for n in range(2, hi + 1):
        h = [(x * _P + c) & _MASK for x, c in zip(h[:-1], a[n - 1 :], strict=False)]
        if n >= lo:
            salt = (_SALT_CHAR * n) & _MASK
            out += [_py_mix((x + salt) & _MASK) for x in h]
    return out


def _py_token_hashes(word: str) -> list[int]:
    """The hashes of a lower-cased word's tokens, in order, as ``_word_tokens``."""
    out = []
    for tok in _TOKEN.findall(word):
        h = 0
        for c in tok:
            h = (h * _P + ord(c)) & _MASK
        out.append(_py_mix(h ^ _SALT_WORD))
    return out


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
    if ngrams[0] < 2:
        raise ValueError("character n-grams start at length 2 (a padded word's single spaces are no feature)")
    # each word becomes " word "; words and texts are separated by a second space, and no valid
    # n-gram contains two spaces in a row, so nothing spans two words or two texts
    return _padded_char_hashes([" " + "  ".join(t.lower().split()) + " " for t in texts], ngrams)


def _padded_char_hashes(docs: list[str], ngrams: tuple[int, int]) -> NgramHashes:
    """Char n-grams of docs made of space-padded words (" w1  w2 "), none containing a double space."""
    lo, hi = ngrams
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


def _word_char_hashes(words: list[str], ngrams: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """``(hash, word)`` of the char n-grams of single words (no whitespace), as ``char_ngram_hashes``.

    All lengths at once (a window matrix instead of a loop over ``n``): ~20 numpy calls for a
    handful of new words. ``sum a[i+k] P^(n-1-k) = P^(n-1) sum a[i+k] P^-k``, exactly, modulo 2**64.
    """
    lo, hi = ngrams
    padded = [f" {w} " for w in words]
    a = _codepoints("".join(padded))
    sizes = np.fromiter(map(len, padded), np.int64, len(padded))
    word = np.repeat(np.arange(len(words), dtype=np.int64), sizes)
    left = np.cumsum(sizes)[word] - np.arange(len(a))  # characters from each position to its word's end
    p_pow, pinv_pow = _powers(hi)
    windows = a[np.minimum(np.arange(len(a))[:, None] + np.arange(hi), len(a) - 1)]  # past the end: unused
    h = np.cumsum(windows * pinv_pow[:hi], axis=1) * p_pow[:hi]  # h[i, n-1]: the n-gram at i
    ok = np.arange(lo, hi + 1) <= left[:, None]
    salts = np.array([(_SALT_CHAR * n) & _MASK for n in range(lo, hi + 1)], dtype=_U64)
    return _mix((h[:, lo - 1 :] + salts)[ok]), word[ok.nonzero()[0]]  # grouped by word, in order


def word_ngram_hashes(texts: Sequence[str], ngrams: tuple[int, int]) -> NgramHashes:
    """Hashes of the token n-grams of every text (see the module docstring)."""
    tok, tok_doc = _word_tokens([t.lower() for t in texts])  # lower() may change a length ("İ" → "i̇")
    return _token_ngrams(tok, tok_doc, ngrams)


def _word_tokens(lowered: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """``(hash, doc)`` of every token (run of 2+ word characters) of already lower-cased texts, in order.

    A token's hash depends on its characters only, not on where it stands.
    """
    a = _codepoints("\n".join(lowered))  # "\n" is not a word character: tokens stop there
    n_pos = len(a)
    if n_pos == 0:
        return np.zeros(0, _U64), np.zeros(0, np.int64)
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
        return np.zeros(0, _U64), np.zeros(0, np.int64)
    # polynomial hash of a[s:e] = sum_j a[j] P^(e-1-j) = P^(e-1) (S[e] - S[s]), S[k] = sum_{j<k} a[j] P^-j
    p_pow, pinv_pow = _powers(n_pos)
    prefix = np.zeros(n_pos + 1, dtype=_U64)
    np.cumsum(a * pinv_pow[:n_pos], out=prefix[1:])
    tok = p_pow[ends - 1] * (prefix[ends] - prefix[starts])
    return _mix(tok ^ _U64(_SALT_WORD)), doc_of[starts]


def _token_ngrams(tok: np.ndarray, tok_doc: np.ndarray, ngrams: tuple[int, int]) -> NgramHashes:
    """Hashes of the n-grams of consecutive tokens of one doc (``tok_doc`` is sorted)."""
    lo, hi = ngrams
    if len(tok) == 0:
        return NgramHashes(np.zeros(0, np.int64), np.zeros(0, _U64))
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
        self._slots = np.arange(max(self._depth, 1), dtype=np.int64)

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
        if len(keys) <= _GATHER_MAX:
            # compare each key with its whole bucket at once (a fixed ~10 numpy calls, no loop)
            slot = pos[:, None] + self._slots
            match = (self.keys[np.minimum(slot, len(self.keys) - 1)] == keys[:, None]) & (slot < end[:, None])
            hit = match.any(axis=1)
            return hit, (pos + match.argmax(axis=1))[hit]  # keys are unique: one match at most
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
        return self._tfidf(h.doc[hit], col, len(texts))

    def _tfidf(
        self, doc: np.ndarray, col: np.ndarray, n_docs: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``entries`` from the in-vocabulary n-gram occurrences ``(doc, col)``, in any order."""
        n_cols = max(len(self.keys), 1)
        combined = np.sort(doc * n_cols + col)
        first = np.flatnonzero(np.concatenate((combined[:1] >= 0, combined[1:] != combined[:-1])))
        counts = np.diff(np.append(first, len(combined)))
        rows, cols = np.divmod(combined[first], n_cols)
        data = (1.0 + np.log(counts)).astype(np.float32) * self.idf[cols]
        norms = np.sqrt(np.bincount(rows, weights=np.square(data, dtype=np.float64), minlength=n_docs))
        data /= norms[rows].astype(np.float32)  # a row with an entry has a positive norm
        return rows, cols, data

    def word_parts(self, words: list[str], offset: int = 0) -> list[bytes]:
        """What the per-word path keeps for each word of ``text.lower().split()``, as raw bytes.

        char block: the word's in-vocabulary columns plus ``offset`` (int32, one per occurrence; char
        n-grams never leave a padded word). word block: its token hashes (uint64, in order; tokens
        never cross whitespace, which is no word character).
        """
        n_chars = sum(map(len, words))
        if self.kind == "word":
            if n_chars <= _PY_WORD_MISS:  # plain Python beats ~30 numpy calls of a µs or more each
                toks = [_py_token_hashes(w) for w in words]
                vals = np.array([h for ts in toks for h in ts], dtype=_U64)
                doc = np.repeat(np.arange(len(words)), np.fromiter(map(len, toks), np.int64, len(toks)))
            else:
                vals, doc = _word_tokens(words)
        else:
            if n_chars <= _PY_CHAR_MISS:
                keys = [_py_char_keys(w, self.ngrams) for w in words]
                key = np.array([k for ks in keys for k in ks], dtype=_U64)
                doc = np.repeat(np.arange(len(words)), np.fromiter(map(len, keys), np.int64, len(keys)))
            elif n_chars <= _WINDOW_CHAR_MISS:
                key, doc = _word_char_hashes(words, self.ngrams)
            else:
                h = _padded_char_hashes([f" {w} " for w in words], self.ngrams)
                order = np.argsort(h.doc, kind="stable")
                key, doc = h.key[order], h.doc[order]
            hit, col = self.lookup(key)
            doc = doc[hit]  # sorted: keys come word by word
            vals = (col + offset).astype(np.int32)
        ends = (np.cumsum(np.bincount(doc, minlength=len(words))) * vals.itemsize).tolist()
        buf = vals.tobytes()
        return [buf[s:e] for s, e in zip([0, *ends[:-1]], ends, strict=True)]

    def occurrences(
        self, parts: list[bytes], part_doc: np.ndarray | None, offset: int = 0
    ) -> tuple[np.ndarray | None, np.ndarray]:
        """``(doc, column + offset)`` of the in-vocabulary n-grams of docs given as :meth:`word_parts`.

        ``part_doc[i]`` is the doc of ``parts[i]`` (sorted); ``None``: one doc, and ``doc`` is ``None``.
        The parts must come from ``word_parts(words, offset)``.
        """
        vals: np.ndarray[Any, np.dtype[Any]] = np.frombuffer(
            b"".join(parts), dtype=np.int32 if self.kind == "char" else _U64
        )
        if part_doc is None:
            if self.kind == "char":
                return None, vals
            lo, hi = self.ngrams  # one doc: no n-gram can cross docs, so no masks (as _token_ngrams)
            keys: list[np.ndarray] = []
            h: np.ndarray = vals
            for n in range(1, hi + 1):
                if n > 1:
                    h = _mix(h[:-1] * _U64(_P) + vals[n - 1 :] + _U64(_SALT_PAIR))
                if n >= lo:
                    keys.append(h)
            col = self.lookup(np.concatenate(keys))[1]
            return None, col + offset if offset else col
        sizes = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts)) // vals.itemsize
        doc = np.repeat(part_doc, sizes)
        if self.kind == "char":
            return doc, vals
        grams = _token_ngrams(vals, doc, self.ngrams)
        hit, col = self.lookup(grams.key)
        return grams.doc[hit], col + offset if offset else col


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
        self.blocks = blocks  # fixed once built: the cache and the offsets below depend on them
        # lower-cased word → its Block.word_parts, one per block (bounded: _CACHE_WORDS)
        self._word_cache: dict[str, tuple[bytes, ...]] = {}
        sizes = [len(b.keys) for b in blocks]
        self._offsets = np.cumsum([0, *sizes[:-1]], dtype=np.int64)  # first global column of each block
        self._idf = np.concatenate([b.idf for b in blocks]) if blocks else np.zeros(0, np.float32)

    def __getstate__(self) -> dict[str, Any]:
        return self.__dict__ | {"_word_cache": {}}  # a copy or pickle does not carry the cache

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
        """``transform(texts) @ coef`` without building a sparse matrix (the inference hot path).

        Bit-identical to summing ``entries(texts)`` block by block, but a short batch costs far fewer
        numpy calls (each costs µs whatever its size): n-grams come from a per-word cache
        (:meth:`_occurrences`) and the blocks share one TF-IDF pass, the rows of block ``k`` of text
        ``d`` numbered ``d * K + k``; every sum keeps its order (per row, per block, then blocks in order).
        """
        out = np.zeros((len(texts), coef.shape[1]), dtype=np.float64)
        if not len(texts):
            return out
        # one sort orders the occurrences by (doc, block, column): global columns keep block order
        width = max(self.n_features, 1)
        combined = np.sort(
            np.concatenate(
                [
                    col if doc is None else doc * width + col  # int32 + int64: int64
                    for doc, col in self._occurrences(texts)
                ]
            )
        )
        if not len(combined):
            return out
        first = np.concatenate(([0], (combined[1:] != combined[:-1]).nonzero()[0] + 1))
        counts = np.concatenate((first[1:], [len(combined)])) - first
        if len(texts) == 1:
            cols = combined[first]
            rows = blk = np.searchsorted(self._offsets, cols, side="right") - 1  # row of (doc 0, block)
        else:
            docs, cols = np.divmod(combined[first], width)
            blk = np.searchsorted(self._offsets, cols, side="right") - 1
            rows = docs * len(self.blocks) + blk  # one row per (doc, block): each block is normalised alone
        data = (1.0 + np.log(counts)).astype(np.float32) * self._idf[cols]
        norms = np.sqrt(np.bincount(rows, weights=np.square(data, dtype=np.float64)))
        data /= norms[rows].astype(np.float32)  # a row with an entry has a positive norm
        seg = np.concatenate(([0], (rows[1:] != rows[:-1]).nonzero()[0] + 1))
        sums = np.add.reduceat(coef[cols] * data[:, None], seg, axis=0)
        if len(texts) == 1:
            for row in sums:  # one row per block, in block order
                out[0] += row
            return out
        seg_doc, seg_blk = docs[seg], blk[seg]
        for k in range(len(self.blocks)):  # block by block, as ``out[rows] += block sums`` did
            mine = seg_blk == k
            out[seg_doc[mine]] += sums[mine]
        return out

    def _occurrences(self, texts: Sequence[str]) -> list[tuple[np.ndarray | None, np.ndarray]]:
        """Per block, ``(doc, global column)`` of the in-vocabulary n-grams of ``texts`` (as ``entries``).

        Both blocks decompose over the words of ``text.lower().split()`` (the whole text is
        lower-cased first, as in ``entries``, so context-dependent lower-casing such as a Greek final
        sigma is unchanged), so each word's :meth:`Block.word_parts` are cached: most words of a new
        text were seen before and need no hashing or char-block lookup.
        """
        if len(texts) > _CACHED_MAX_TEXTS:  # big batches: hashing all n-grams at once costs no more
            return self._batch_occurrences(texts)
        words = [t.lower().split() for t in texts]
        flat = [w for ws in words for w in ws]
        cache = self._word_cache
        get = cache.get
        got = [get(w) for w in flat]
        missing = list(dict.fromkeys([w for w, v in zip(flat, got, strict=True) if v is None]))
        # many new words (a cold cache): hashing them word by word costs more than the batch path,
        # so take that and cache a bounded share of them, keeping this call near the batch path's cost
        many = len(missing) > _MISS_MAX_WORDS
        fill = [w for w in missing if len(w) <= _CACHE_WORD_CHARS][:_MISS_FILL] if many else missing
        fresh: dict[str, tuple[bytes, ...]] = {}
        if fill:
            offsets = self._offsets.tolist()
            parts = zip(
                *(b.word_parts(fill, off) for b, off in zip(self.blocks, offsets, strict=True)), strict=True
            )
            fresh = dict(zip(fill, parts, strict=True))
            keep = {w: v for w, v in fresh.items() if len(w) <= _CACHE_WORD_CHARS}
            if len(keep) > _CACHE_WORDS // 2:  # a tiny cache: keep within the bound
                keep = dict(itertools.islice(keep.items(), _CACHE_WORDS // 2))
            if len(cache) + len(keep) > _CACHE_WORDS:
                evict_half(cache)
            cache.update(keep)  # one C-level call: atomic under the GIL
        if many:
            return self._batch_occurrences(texts)
        # read from ``fresh`` too: another thread may have evicted a word between the two looks
        found = [fresh[w] if v is None else v for w, v in zip(flat, got, strict=True)]
        part_doc = None
        if len(texts) > 1:
            part_doc = np.repeat(np.arange(len(texts), dtype=np.int64), [len(ws) for ws in words])
        offsets = self._offsets.tolist()
        return [b.occurrences([v[k] for v in found], part_doc, offsets[k]) for k, b in enumerate(self.blocks)]

    def _batch_occurrences(self, texts: Sequence[str]) -> list[tuple[np.ndarray | None, np.ndarray]]:
        """``_occurrences`` by hashing every n-gram of the batch at once (no cache)."""
        out: list[tuple[np.ndarray | None, np.ndarray]] = []
        for b, off in zip(self.blocks, self._offsets.tolist(), strict=True):
            h = b.hashes(texts)
            hit, col = b.lookup(h.key)
            out.append((h.doc[hit], col + off))
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
