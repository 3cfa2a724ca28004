"""Micro-batching: concurrent callers share pipeline calls but each gets exactly its own answers."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from modops.errors import NotFoundError
from modops.moderator import Moderator
from modops.serving.batching import MicroBatcher
from modops.serving.models import Served


def _served(moderator: Moderator) -> Served:
    return Served(moderator, {}, 1, time.time(), 0.0, {n: d.version for n, d in moderator.detectors.items()})


def _strip(d: Any) -> dict[str, Any]:
    out = d.to_dict()
    out.pop("timings_ms")
    return out


def test_concurrent_callers_get_their_own_decisions(shared_moderator: Moderator) -> None:
    served = _served(shared_moderator)
    texts = [
        f"user{i} says hi, mail user{i}@example.com" if i % 3 else f"you idiot number {i}" for i in range(48)
    ]
    expected = [_strip(d) for d in shared_moderator.moderate(texts)]
    batcher = MicroBatcher(workers=2, max_texts=16).start()
    try:
        with ThreadPoolExecutor(16) as pool:
            got = list(pool.map(lambda i: batcher.moderate(served, [texts[i]])[0], range(len(texts))))
        multi = batcher.moderate(served, texts[:5], ["pii"])
    finally:
        batcher.stop()
    assert [_strip(d) for d in got] == expected
    assert batcher.jobs == len(texts) + 1 and batcher.batches <= batcher.jobs
    assert len(multi) == 5 and all(set(d.results) == {"pii"} for d in multi)


def test_errors_stay_with_their_request(shared_moderator: Moderator) -> None:
    served = _served(shared_moderator)
    batcher = MicroBatcher(workers=1).start()
    try:
        with pytest.raises(NotFoundError):
            batcher.moderate(served, ["hi"], ["nope"])
        assert len(batcher.moderate(served, ["hi"])) == 1
    finally:
        batcher.stop()
    # stopped: runs inline
    assert len(batcher.moderate(served, ["hi", "there"])) == 2
