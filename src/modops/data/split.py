"""Seeded, stratified, group-aware splits, and near-duplicate grouping (MinHash + LSH in numpy).

``near_duplicate_groups`` is what keeps near-identical texts out of two different splits:
``split_frame`` merges its clusters with exact duplicates and an optional group key into
"units", and a unit is assigned to one split as a whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from modops.errors import DataError, InputError

if TYPE_CHECKING:
    import pandas as pd

SPLITS: tuple[str, str, str] = ("train", "validation", "test")

_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)
_MAX32 = np.uint64(0xFFFFFFFF)


def normalize_for_dedup(text: Any) -> str:
    """The form texts are compared in for near-duplicates: casefolded, whitespace collapsed."""
    if not isinstance(text, str):
        return ""
    return " ".join(text.casefold().split())


def _shingle_hashes(texts: Sequence[str], ngram: int) -> tuple[np.ndarray, np.ndarray]:
    """64-bit hashes of every character n-gram of each (non-empty) text, concatenated.

    Returns ``(hashes, counts)`` where ``counts[i]`` is the number of shingles of ``texts[i]``.
    Vectorised: one polynomial rolling hash over the concatenation, then windows that cross
    a text boundary are dropped. Texts shorter than ``ngram`` are padded so they get one shingle.
    """
    padded = [t if len(t) >= ngram else t.ljust(ngram, "\x00") for t in texts]
    lens = np.fromiter((len(t) for t in padded), dtype=np.int64, count=len(padded))
    codes = np.frombuffer("".join(padded).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    n_windows = codes.size - ngram + 1
    if n_windows <= 0:
        return np.empty(0, dtype=np.uint64), np.zeros(len(texts), dtype=np.int64)
    prime = np.uint64(1_000_003)
    h = np.zeros(n_windows, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(ngram):
            h = h * prime + codes[j : j + n_windows]
        # splitmix64 finaliser, so nearby n-grams get unrelated hashes
        h ^= h >> np.uint64(30)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(27)
        h *= np.uint64(0x94D049BB133111EB)
        h ^= h >> np.uint64(31)
    tid = np.repeat(np.arange(len(padded)), lens)
    valid = tid[:n_windows] == tid[ngram - 1 :]
    return h[valid], lens - ngram + 1


def minhash_signatures(
    texts: Sequence[str], num_perm: int = 64, ngram: int = 5, seed: int = 0, chunk: int = 1 << 17
) -> np.ndarray:
    """MinHash signatures (``len(texts) x num_perm``, uint32) over character ``ngram`` shingles.

    Uses multiply-add-shift hashing of 32-bit shingle hashes, computed in chunks of texts so
    memory stays bounded (about ``chunk * num_perm * 8`` bytes). Empty texts get all-max rows.
    """
    sig = np.full((len(texts), num_perm), np.uint32(0xFFFFFFFF), dtype=np.uint32)
    nonempty = [i for i, t in enumerate(texts) if t]
    if not nonempty:
        return sig
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 2**63, size=num_perm, dtype=np.uint64) | np.uint64(1)
    b = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64)
    hashes, counts = _shingle_hashes([texts[i] for i in nonempty], ngram)
    keys = hashes >> np.uint64(32)
    starts = np.concatenate(([0], np.cumsum(counts)))
    rows = np.asarray(nonempty)
    # (num_perm x chunk) layout with in-place ops: contiguous reduceat, no big temporaries
    buf = np.empty((num_perm, chunk), dtype=np.uint64)
    lo = 0
    while lo < len(nonempty):
        # take as many whole texts as fit in the chunk (at least one)
        hi = int(np.searchsorted(starts, starts[lo] + chunk, side="right")) - 1
        hi = max(hi, lo + 1)
        s0, s1 = int(starts[lo]), int(starts[hi])
        if s1 - s0 > buf.shape[1]:
            buf = np.empty((num_perm, s1 - s0), dtype=np.uint64)
        vals = buf[:, : s1 - s0]
        np.multiply(a[:, None], keys[None, s0:s1], out=vals)
        vals += b[:, None]
        vals >>= np.uint64(32)
        mins = np.minimum.reduceat(vals, starts[lo:hi] - s0, axis=1)
        sig[rows[lo:hi]] = mins.T.astype(np.uint32)
        lo = hi
    return sig


@lru_cache(maxsize=64)
def lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows) minimising equal-weighted false positive and negative area at ``threshold``."""
    grid = np.linspace(0.0, 1.0, 201)
    best, best_err = (1, num_perm), float("inf")
    for bands in range(1, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):
            p = 1.0 - (1.0 - grid**rows) ** bands
            lo = grid <= threshold
            fp = np.trapezoid(p[lo], grid[lo])
            fn = np.trapezoid(1.0 - p[~lo], grid[~lo])
            err = float(0.5 * fp + 0.5 * fn)
            if err < best_err:
                best, best_err = (bands, rows), err
    return best


def _components(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Connected-component label per node of an undirected graph given as edge arrays."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    graph = coo_matrix((np.ones(left.size, dtype=np.int8), (left, right)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return labels


def _min_index_ids(labels: np.ndarray) -> np.ndarray:
    """Relabel components so each one is named by its smallest member index (stable, readable)."""
    order = np.arange(labels.size)
    first = np.full(labels.max() + 1 if labels.size else 0, labels.size, dtype=np.int64)
    np.minimum.at(first, labels, order)
    return first[labels]


def near_duplicate_groups(
    texts: Sequence[Any],
    threshold: float = 0.8,
    *,
    num_perm: int = 64,
    ngram: int = 5,
    seed: int = 0,
) -> np.ndarray:
    """Group ids (int64, one per text) such that near-identical texts share a group.

    Texts are compared casefolded with whitespace collapsed, as sets of character
    ``ngram``-grams; two texts are linked when their Jaccard similarity is at least
    ``threshold``, and groups are the connected components of those links. MinHash + LSH
    banding (tuned 0.1 below ``threshold``) finds candidate pairs, which are then checked
    with the exact Jaccard, so the cost stays near-linear (25k tweets: ~1.5 s on 2 cores)
    and no pair is linked on an estimate alone. Exact duplicates (after normalisation) always
    share a group. A group id is the index of the group's first member, so a text with no
    near-duplicate has its own index. Missing values count as empty texts.
    """
    if not 0.0 < threshold <= 1.0:
        raise InputError(f"near-duplicate threshold must be in (0, 1], got {threshold}")
    n = len(texts)
    if n == 0:
        return np.empty(0, dtype=np.int64)
    norm = [normalize_for_dedup(t) for t in texts]
    uniq: dict[str, int] = {}
    inverse = np.fromiter((uniq.setdefault(t, len(uniq)) for t in norm), dtype=np.int64, count=n)
    unique_texts = list(uniq)
    m = len(unique_texts)
    sig = minhash_signatures(unique_texts, num_perm=num_perm, ngram=ngram, seed=seed)
    # band for a lower threshold (more candidates), then verify candidates with exact Jaccard
    bands, rows = lsh_params(max(threshold - 0.1, 0.05), num_perm)
    left: list[np.ndarray] = []
    right: list[np.ndarray] = []
    empty = np.fromiter((not t for t in unique_texts), dtype=bool, count=m)
    for band in range(bands):
        block = sig[:, band * rows : (band + 1) * rows].astype(np.uint64)
        key = np.zeros(m, dtype=np.uint64)
        with np.errstate(over="ignore"):
            for col in range(rows):
                key = (key ^ block[:, col]) * np.uint64(0x100000001B3)
        order = np.argsort(key, kind="stable")
        same = key[order[1:]] == key[order[:-1]]
        left.append(order[:-1][same])
        right.append(order[1:][same])
    if left:
        li, ri = np.concatenate(left), np.concatenate(right)
        pairs = np.unique(np.minimum(li, ri) * m + np.maximum(li, ri))
        li, ri = pairs // m, pairs % m
        agree = (sig[li] == sig[ri]).mean(axis=1)
        # cheap pre-filter on the MinHash estimate (its s.d. is ~0.06 at 64 permutations)
        keep = (agree >= threshold - 0.25) & ~empty[li] & ~empty[ri]
        li, ri = li[keep], ri[keep]
        shingles: dict[int, frozenset[str]] = {}

        def grams(i: int) -> frozenset[str]:
            if i not in shingles:
                t = unique_texts[i] if len(unique_texts[i]) >= ngram else unique_texts[i].ljust(ngram, "\x00")
                shingles[i] = frozenset(t[k : k + ngram] for k in range(len(t) - ngram + 1))
            return shingles[i]

        exact = np.fromiter(
            (
                len(grams(i) & grams(j)) >= threshold * len(grams(i) | grams(j))
                for i, j in zip(li.tolist(), ri.tolist(), strict=True)
            ),
            dtype=bool,
            count=li.size,
        )
        li, ri = li[exact], ri[exact]
    else:  # pragma: no cover - bands >= 1 always
        li = ri = np.empty(0, dtype=np.int64)
    unique_labels = _components(m, li, ri)
    return _min_index_ids(unique_labels[inverse])


def _check_ratios(ratios: Sequence[float]) -> tuple[float, ...]:
    r = tuple(float(x) for x in ratios)
    if len(r) not in (2, 3):
        raise InputError(f"ratios must have 2 (train,test) or 3 (train,validation,test) values, got {len(r)}")
    if any(not np.isfinite(x) or x < 0 for x in r) or abs(sum(r) - 1.0) > 1e-6:
        raise InputError(f"ratios must be non-negative and sum to 1, got {','.join(str(x) for x in r)}")
    return r


def split_frame(
    df: pd.DataFrame,
    ratios: Sequence[float] = (0.8, 0.1, 0.1),
    stratify: str | None = "label",
    group: str | None = None,
    seed: int = 0,
    *,
    near_dup_threshold: float | None = None,
    text_col: str = "text",
) -> pd.DataFrame:
    """Return a copy of ``df`` with a ``split`` column (train / validation / test).

    - ``ratios``: 3 values (train, validation, test) or 2 (train, test), summing to 1.
    - ``stratify``: column whose label proportions each split keeps (``None``: no strata).
    - ``group``: column whose values never straddle two splits; each group is stratified by
      its majority label.
    - ``near_dup_threshold``: also keep near-duplicate texts (MinHash Jaccard >= threshold) in one
      split. Texts that are exactly equal always stay together.
    - ``seed``: the same inputs and seed give the same split.

    Groups are assigned whole, largest first, each to the split furthest below its target
    within its stratum, so split sizes track the ratios closely when groups are small.
    """
    import pandas as pd

    r = _check_ratios(ratios)
    names = SPLITS if len(r) == 3 else ("train", "test")
    for col in (stratify, group):
        if col is not None and col not in df.columns:
            raise DataError(f"no column {col!r} to split by (columns: {', '.join(map(str, df.columns))})")
    n = len(df)
    if n == 0:
        raise DataError("cannot split an empty dataset")

    # Units: rows linked by exact text, near-duplicate cluster or group key go to one split.
    left = [np.arange(n)]
    right = [np.arange(n)]
    offset = n
    if text_col in df.columns:
        texts = df[text_col].tolist()
        if near_dup_threshold:
            # MinHash seed stays fixed (not ``seed``) so QC sees the very same clusters
            clusters = near_duplicate_groups(texts, near_dup_threshold)
        else:
            codes_, _ = pd.factorize(pd.Series([t if isinstance(t, str) else "" for t in texts]))
            clusters = codes_.astype(np.int64)
        left.append(np.arange(n))
        right.append(offset + clusters)
        offset += n
    if group is not None:
        gcodes, _ = pd.factorize(df[group], use_na_sentinel=True)
        has = gcodes >= 0  # a missing group key is no link
        left.append(np.arange(n)[has])
        right.append(offset + gcodes[has])
        offset += int(gcodes.max()) + 1 if has.any() else 0
    labels = _components(offset, np.concatenate(left), np.concatenate(right))[:n]
    unit_codes, _ = pd.factorize(labels)

    if stratify is not None:
        strat = df[stratify].astype(object).where(df[stratify].notna(), "__missing__").astype(str).to_numpy()
    else:
        strat = np.full(n, "__all__", dtype=object)
    units = pd.DataFrame({"unit": unit_codes, "stratum": strat})
    # a unit's stratum is its majority label (ties: the smallest label, for determinism)
    counts = units.groupby(["unit", "stratum"], sort=True).size().reset_index(name="n")
    counts = counts.sort_values(["unit", "n", "stratum"], ascending=[True, False, True], kind="stable")
    unit_stratum = counts.drop_duplicates("unit").set_index("unit")["stratum"]
    unit_size = units.groupby("unit").size()

    rng = np.random.default_rng(seed)
    assign = np.zeros(len(unit_size), dtype=np.int64)
    ratio_arr = np.asarray(r)
    # ties within a stratum go to the split furthest below its overall target, so rounding
    # errors of the strata do not pile up in one split
    overall_target = ratio_arr * n
    overall = np.zeros(len(r))
    for stratum in sorted(unit_stratum.unique()):
        members = unit_stratum.index[unit_stratum.to_numpy() == stratum].to_numpy()
        members = members[rng.permutation(members.size)]
        sizes = unit_size.loc[members].to_numpy()
        members = members[np.argsort(-sizes, kind="stable")]
        sizes = unit_size.loc[members].to_numpy()
        target = ratio_arr * sizes.sum()
        filled = np.zeros(len(r))
        for u, s in zip(members, sizes, strict=True):
            k = int(np.argmax((target - filled) + 1e-6 * (overall_target - overall) / n))
            assign[u] = k
            filled[k] += s
            overall[k] += s
    out = df.copy()
    out["split"] = np.asarray(names, dtype=object)[assign[unit_codes]]
    return out
