"""Helpers for the bounded in-process caches of the hot paths (normalizer, n-gram features)."""

from __future__ import annotations

import itertools
from typing import Any


def evict_half(cache: dict[Any, Any]) -> None:
    """Drop the older half of a cache (dicts keep insertion order); safe if threads race."""
    try:
        old = list(itertools.islice(cache, len(cache) // 2))
    except RuntimeError:  # changed size under us (another thread): start afresh
        cache.clear()
        return
    for key in old:
        cache.pop(key, None)
