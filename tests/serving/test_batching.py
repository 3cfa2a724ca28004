"""Micro-batching: concurrent callers share pipeline calls but each gets exactly its own answers."""

from __future__ import annotations

import asyncio
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


def test_async_callers_share_batches_and_get_their_own_decisions(shared_moderator: Moderator) -> None:
    served = _served(shared_moderator)
    texts = [f"hello {i}, mail me at user{i}@example.com" if i % 2 else f"you idiot {i}" for i in range(12)]
    expected = [_strip(d) for d in shared_moderator.moderate(texts)]
    batcher = MicroBatcher(workers=1, max_texts=64).start()

    async def main() -> list[Any]:
        results = await asyncio.gather(*(batcher.moderate_async(served, [t]) for t in texts))
        return [r[0] for r in results]

    try:
        got = asyncio.run(main())
    finally:
        batcher.stop()
    assert [_strip(d) for d in got] == expected
    # all twelve were handed over in one event-loop pass: far fewer pipeline calls than requests
    assert batcher.jobs == len(texts) and batcher.batches < len(texts)


def test_async_errors_and_cancellation(shared_moderator: Moderator) -> None:
    served = _served(shared_moderator)
    batcher = MicroBatcher(workers=1).start()

    async def main() -> None:
        with pytest.raises(NotFoundError):
            await batcher.moderate_async(served, ["hi"], ["nope"])
        # a caller that gives up does not break the batch of the others
        doomed = asyncio.ensure_future(batcher.moderate_async(served, ["bye"]))
        kept = asyncio.ensure_future(batcher.moderate_async(served, ["hi there"]))
        await asyncio.sleep(0)
        doomed.cancel()
        (d,) = await kept
        assert d.action in {"allow", "review", "block", "redact"}
        with pytest.raises(asyncio.CancelledError):
            await doomed

    try:
        asyncio.run(main())
        assert len(batcher.moderate(served, ["still works"])) == 1
    finally:
        batcher.stop()

    async def inline() -> int:
        return len(await batcher.moderate_async(served, ["hi", "there"]))

    assert asyncio.run(inline()) == 2  # stopped: runs in a worker thread
