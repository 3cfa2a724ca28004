"""Bootstrap confidence intervals, shared by every evaluation."""

from __future__ import annotations

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
    rng = np.random.default_rng(seed)
    stats: list[float] = []
    if groups is not None:
        uniq, inverse = np.unique(np.asarray(groups), return_inverse=True)
        members = [np.flatnonzero(inverse == g) for g in range(len(uniq))]
    for _ in range(n_boot):
        if groups is not None:
            pick = rng.integers(0, len(members), len(members))
            idx = np.concatenate([members[g] for g in pick])
        else:
            idx = rng.integers(0, n, n)
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
