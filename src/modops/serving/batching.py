"""Opportunistic micro-batching of concurrent requests into one ``Moderator.moderate`` call.

Callers (request threads, or async routes through ``moderate_async``) put their texts on a
queue and wait; ``workers`` dispatcher threads each take the oldest job plus whatever
compatible jobs are already queued (same model generation and detector selection, up to
``max_texts``) and run them as ONE batch. Nothing waits for a batch to fill: a lone request
runs at once, so latency at low load is unchanged, while under load the detectors see real
batches (vectorised ONNX/linear inference, one spaCy ``pipe``) and the number of CPU-bound
calls in flight stays at ``workers`` instead of one per request. Async callers hand their jobs
over once per event-loop pass and get their results back with one loop wake-up per batch."""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from modops.core import Decision
from modops.serving.models import Served

log = logging.getLogger("modops.serving")


@dataclass(slots=True)
class _Job:
    served: Served
    texts: list[str]
    detectors: tuple[str, ...] | None
    future: Future[list[Decision]] = field(default_factory=Future)
    # set for a caller awaiting on an event loop (async routes) instead of blocking on ``future``
    loop: asyncio.AbstractEventLoop | None = None
    afuture: asyncio.Future[list[Decision]] | None = None

    @property
    def key(self) -> tuple[int, tuple[str, ...] | None]:
        return (id(self.served.moderator), self.detectors)

    def claim(self) -> bool:
        """False when the caller already gave up (a cancelled future): its texts are skipped."""
        if self.afuture is not None:
            return not self.afuture.cancelled()
        return self.future.set_running_or_notify_cancel()


_Outcome = tuple[_Job, "list[Decision] | None", "BaseException | None"]


def _settle(items: list[tuple[asyncio.Future[list[Decision]], Any, BaseException | None]]) -> None:
    """On the event loop: resolve the async callers of one batch."""
    for fut, result, err in items:
        if fut.done():  # cancelled meanwhile
            continue
        if err is None:
            fut.set_result(result)
        else:
            fut.set_exception(err)


_STOP = object()


class MicroBatcher:
    def __init__(self, workers: int = 2, max_texts: int = 64) -> None:
        self.workers = max(1, workers)
        self.max_texts = max(1, max_texts)
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._held: list[_Job] = []  # taken from the queue but incompatible with the last batch
        # async jobs of the current event-loop pass, per loop (each is only touched by its loop)
        self._outboxes: dict[asyncio.AbstractEventLoop, list[_Job]] = {}
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

    async def moderate_async(
        self, served: Served, texts: Sequence[str], detectors: Sequence[str] | None = None
    ) -> list[Decision]:
        """``moderate`` for async routes: the event loop awaits the batch without a threadpool hop."""
        if not self._threads:
            from starlette.concurrency import run_in_threadpool

            return await run_in_threadpool(served.moderator.moderate, list(texts), detectors)
        if detectors:
            detectors = served.moderator.select(detectors)
        loop = asyncio.get_running_loop()
        job = _Job(
            served,
            list(texts),
            tuple(detectors) if detectors else None,
            loop=loop,
            afuture=loop.create_future(),
        )
        # Hand jobs to the pipeline thread at the end of this event-loop pass, all together: one
        # wake-up per pass instead of one per request (each wake-up makes the two threads trade
        # the GIL), and requests parsed in the same pass land in the same batch.
        box = self._outboxes.get(loop)
        if box is None:
            box = self._outboxes[loop] = []
            loop.call_soon(self._flush_outbox, loop)
        box.append(job)
        assert job.afuture is not None
        return await job.afuture

    def _flush_outbox(self, loop: asyncio.AbstractEventLoop) -> None:
        for job in self._outboxes.pop(loop, []):
            if self._threads:
                self._queue.put(job)
            else:  # stopped meanwhile: answer inline rather than never
                self._execute([job])

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
        # An async caller that went away cancels its future: drop its texts from the batch.
        batch = [job for job in batch if job.claim()]
        if not batch:
            return
        first = batch[0]
        texts = [t for job in batch for t in job.texts]
        outcomes: list[_Outcome] = []
        try:
            decisions = first.served.moderator.moderate(texts, detectors=first.detectors)
        except BaseException as err:
            if len(batch) == 1:
                outcomes.append((first, None, err))
            else:
                # isolate the failure: rerun each job alone so only the bad one fails
                for job in batch:
                    try:
                        outcomes.append(
                            (job, job.served.moderator.moderate(job.texts, detectors=job.detectors), None)
                        )
                    except BaseException as job_err:
                        outcomes.append((job, None, job_err))
        else:
            self.batches += 1
            self.jobs += len(batch)
            pos = 0
            for job in batch:
                outcomes.append((job, decisions[pos : pos + len(job.texts)], None))
                pos += len(job.texts)
        self._deliver(outcomes)

    @staticmethod
    def _deliver(outcomes: list[_Outcome]) -> None:
        """Hand results back: blocking callers directly, async callers with ONE wake-up per loop per batch."""
        by_loop: dict[asyncio.AbstractEventLoop, list[Any]] = {}
        for job, result, err in outcomes:
            if job.loop is None:
                if err is None:
                    job.future.set_result(result)  # type: ignore[arg-type]
                else:
                    job.future.set_exception(err)
            else:
                by_loop.setdefault(job.loop, []).append((job.afuture, result, err))
        for loop, items in by_loop.items():
            try:
                loop.call_soon_threadsafe(_settle, items)
            except RuntimeError:  # the loop is closed: nobody is waiting any more
                log.debug("micro-batch results dropped: event loop closed")
