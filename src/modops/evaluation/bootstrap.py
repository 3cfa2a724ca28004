"""Bootstrap confidence intervals, shared by every evaluation."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True, slots=True)
class Estimate:
    """A point estimate with a percentile-bootstrap confidence interval."""

    value: float
    low: float
    high: float
    level: float = 0.95
    n_boot: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": round(self.value, 6),
            "ci_low": round(self.low, 6),
            "ci_high": round(self.high, 6),
            "level": self.level,
            "n_boot": self.n_boot,
        }

    def __str__(self) -> str:
        return f"{self.value:.3f} [{self.low:.3f}, {self.high:.3f}]"


def bootstrap(
    metric: Callable[..., float],
    arrays: Sequence[np.ndarray],
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int = 0,
    groups: np.ndarray | None = None,
) -> Estimate:
    """Percentile bootstrap of ``metric(*arrays)`` resampling rows (or whole ``groups``).

    Resamples where the metric is undefined (raises or returns NaN, e.g. one class
    only) are skipped, so the CI reflects the defined resamples.
    """
    arrays = [np.asarray(a) for a in arrays]
    n = len(arrays[0])
    if any(len(a) != n for a in arrays):
        raise ValueError("all arrays must have the same length")
    if n == 0:
        raise ValueError("cannot bootstrap an empty sample")
    point = float(metric(*arrays))
    stats: list[float] = []
    for idx in _resamples(n, n_boot, seed, groups):
        try:
            v = float(metric(*(a[idx] for a in arrays)))
        except (ValueError, ZeroDivisionError):
            continue
        if not np.isnan(v):
            stats.append(v)
    if not stats:
        return Estimate(point, point, point, level, 0)
    alpha = (1 - level) / 2
    low, high = np.quantile(stats, [alpha, 1 - alpha])
    return Estimate(point, float(low), float(high), level, len(stats))


# An evaluation bootstraps a dozen metrics over the same rows, groups and seed: draw the
# resamples once. Keyed by content, so equal inputs share draws whatever object holds them.
_CACHE: dict[tuple[int, int, int, bytes | None], list[np.ndarray]] = {}
_CACHE_MAX = 2


def _resamples(n: int, n_boot: int, seed: int, groups: np.ndarray | None) -> list[np.ndarray]:
    """Row indices of each resample, in the order the plain loop (one ``integers`` call each) drew them."""
    gkey = None
    if groups is not None:
        g = np.asarray(groups)
        gkey = hashlib.sha1(g.astype(str).tobytes() if g.dtype == object else g.tobytes()).digest()
    key = (n, n_boot, seed, gkey)
    hit = _CACHE.get(key)
    if hit is not None:
        return hit
    rng = np.random.default_rng(seed)
    out: list[np.ndarray] = []
    if groups is None:
        for _ in range(n_boot):
            out.append(rng.integers(0, n, n).astype(np.int32))
    else:
        _, inverse = np.unique(np.asarray(groups), return_inverse=True)
        inverse = inverse.ravel()
        order = np.argsort(inverse, kind="stable")  # rows of group 0, then 1, ... each ascending
        counts = np.bincount(inverse)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        for _ in range(n_boot):
            pick = rng.integers(0, len(counts), len(counts))
            c = counts[pick]
            ends = np.cumsum(c)
            # position k of the resample is row (k - first position of its group) of group pick[j]
            offset = np.repeat(starts[pick] - (ends - c), c)
            out.append(order[offset + np.arange(int(ends[-1]) if len(ends) else 0)].astype(np.int32))
    if len(_CACHE) >= _CACHE_MAX:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[key] = out
    return out
