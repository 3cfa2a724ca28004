"""Opportunistic micro-batching of concurrent requests into one ``Moderator.moderate`` call.

Request threads put their texts on a queue and wait; ``workers`` dispatcher threads each take
the oldest job plus whatever compatible jobs are already queued (same model generation and
detector selection, up to ``max_texts``) and run them as ONE batch. Nothing waits for a batch
to fill: a lone request runs at once, so latency at low load is unchanged, while under load
the detectors see real batches (vectorised ONNX/linear inference, one spaCy ``pipe``) and the
number of CPU-bound calls in flight stays at ``workers`` instead of one per request thread.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field

from modops.core import Decision
from modops.serving.models import Served

log = logging.getLogger("modops.serving")


@dataclass(slots=True)
class _Job:
    served: Served
    texts: list[str]
    detectors: tuple[str, ...] | None
    future: Future[list[Decision]] = field(default_factory=Future)

    @property
    def key(self) -> tuple[int, tuple[str, ...] | None]:
        return (id(self.served.moderator), self.detectors)


_STOP = object()


class MicroBatcher:
    def __init__(self, workers: int = 2, max_texts: int = 64) -> None:
        self.workers = max(1, workers)
        self.max_texts = max(1, max_texts)
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._held: list[_Job] = []  # taken from the queue but incompatible with the last batch
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self.batches = 0
        self.jobs = 0

    def start(self) -> MicroBatcher:
        for i in range(self.workers):
            t = threading.Thread(target=self._run, name=f"modops-batcher-{i}", daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        for _ in self._threads:
            self._queue.put(_STOP)
        for t in self._threads:
            t.join(timeout)
        self._threads.clear()
        # Jobs that raced the shutdown run inline so their callers still get an answer.
        leftovers = list(self._held)
        self._held.clear()
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if isinstance(item, _Job):
                leftovers.append(item)
        for job in leftovers:
            self._execute([job])

    def moderate(
        self, served: Served, texts: Sequence[str], detectors: Sequence[str] | None = None
    ) -> list[Decision]:
        """Moderate ``texts`` with ``served``'s Moderator, batched with concurrent callers."""
        if not self._threads:  # not started (e.g. used outside the app lifespan): run inline
            return served.moderator.moderate(list(texts), detectors=detectors)
        if detectors:
            # validate here so an unknown name fails only its own request, not a shared batch
            detectors = served.moderator.select(detectors)
        job = _Job(served, list(texts), tuple(detectors) if detectors else None)
        self._queue.put(job)
        return job.future.result()

    def _next(self, block: bool) -> object | None:
        with self._lock:
            if self._held:
                return self._held.pop(0)
        try:
            return self._queue.get(block=block, timeout=0.5 if block else None)
        except queue.Empty:
            return None

    def _run(self) -> None:
        while True:
            first = self._next(block=True)
            if first is None:
                continue
            if first is _STOP:
                return
            assert isinstance(first, _Job)
            batch = [first]
            n = len(first.texts)
            stop = False
            while n < self.max_texts:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stop = True
                    break
                assert isinstance(item, _Job)
                if item.key != first.key or n + len(item.texts) > self.max_texts:
                    with self._lock:
                        self._held.append(item)
                    break
                batch.append(item)
                n += len(item.texts)
            self._execute(batch)
            if stop:
                return

    def _execute(self, batch: list[_Job]) -> None:
        first = batch[0]
        texts = [t for job in batch for t in job.texts]
        try:
            decisions = first.served.moderator.moderate(texts, detectors=first.detectors)
        except BaseException as err:
            if len(batch) == 1:
                first.future.set_exception(err)
                return
            # isolate the failure: rerun each job alone so only the bad one fails
            for job in batch:
                try:
                    job.future.set_result(job.served.moderator.moderate(job.texts, detectors=job.detectors))
                except BaseException as job_err:
                    job.future.set_exception(job_err)
            return
        self.batches += 1
        self.jobs += len(batch)
        pos = 0
        for job in batch:
            job.future.set_result(decisions[pos : pos + len(job.texts)])
            pos += len(job.texts)
