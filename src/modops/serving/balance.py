"""Even out keep-alive connections over the worker processes that share a port.

With ``modops serve --workers N`` every worker accepts from the same listening socket, and the
worker that wakes first takes every connection waiting in the queue. A client that opens a few
keep-alive connections at once (a proxy's pool, a load generator) often lands on one worker and
leaves the other cores idle. On the 2-core box, 8 connections split 8/0, 6/2 and 4/4 across runs,
and throughput followed: 288 req/s at 8/0 against 454 at 4/4.

Each worker counts its open connections in its own slot of a small shared file
(``ConnectionLedger``). When a request arrives on a worker that holds more than its fair share and
at least two connections more than the least-loaded worker, that request is answered with
``Connection: close``. The client then reconnects, and the connection usually lands on an idle
worker, which is the one waiting in ``accept``. This repeats until the spread is even, at a cost of
one reconnect per moved connection. With even counts nothing is ever closed.
"""

from __future__ import annotations

import fcntl
import logging
import mmap
import os
import time
from pathlib import Path
from typing import Any, ClassVar

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

log = logging.getLogger("modops.serving")

# Passed from ``modops serve`` to its workers: the ledger file of this server.
LEDGER_ENV = "MODOPS_SERVE_CONN_LEDGER"
SLOTS = 64  # ``--workers`` is capped at 64
_SLOT_BYTES = 16  # int64 pid, int64 open connections
_REFRESH_S = 1.0


class ConnectionLedger:
    """Open-connection counts of the workers sharing a port: one slot per worker in a shared file.

    A worker owns its slot while it holds an ``fcntl`` lock on the slot's bytes, so a slot whose
    lock can be taken belongs to a worker that has exited; its count is cleared and ignored.
    Only the owner writes a slot, and all calls come from one event-loop thread.
    """

    _open: ClassVar[set[tuple[str, int]]] = set()  # (path, pid): fcntl locks are per process: one ledger each

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        key = (str(self.path.resolve()), os.getpid())
        if key in self._open:
            raise RuntimeError(f"this process already has a ledger on {self.path}")
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        size = SLOTS * _SLOT_BYTES
        if os.fstat(self._fd).st_size < size:
            os.ftruncate(self._fd, size)
        self._map = mmap.mmap(self._fd, size)
        self._view = memoryview(self._map).cast("q")
        self.slot = self._claim()
        self._open.add(key)
        self._key = key
        self._view[2 * self.slot] = os.getpid()
        self._view[2 * self.slot + 1] = 0
        self.count = 0
        self._pending = 0  # connections told to close that have not closed yet
        self._live: list[int] = []
        self._refreshed = float("-inf")
        self.shed_total = 0

    def _claim(self) -> int:
        for slot in range(SLOTS):
            try:
                fcntl.lockf(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB, _SLOT_BYTES, slot * _SLOT_BYTES)
            except OSError:
                continue  # a live worker holds it
            return slot
        os.close(self._fd)
        raise RuntimeError(f"no free slot in {self.path} ({SLOTS} workers at most)")

    def close(self) -> None:
        """Give the slot back (the OS releases the lock anyway when the process exits)."""
        self._view[2 * self.slot] = 0
        self._view[2 * self.slot + 1] = 0
        self._open.discard(self._key)
        self._view.release()
        self._map.close()
        os.close(self._fd)  # closing releases this process's locks on the file

    def _refresh(self) -> None:
        """List the slots of live workers; clear those whose worker has exited."""
        live = []
        for slot in range(SLOTS):
            if not self._view[2 * slot]:
                continue
            if slot != self.slot:
                try:
                    fcntl.lockf(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB, _SLOT_BYTES, slot * _SLOT_BYTES)
                except OSError:
                    live.append(slot)  # locked: its worker is alive
                    continue
                self._view[2 * slot] = 0  # its worker died without closing: forget its connections
                self._view[2 * slot + 1] = 0
                fcntl.lockf(self._fd, fcntl.LOCK_UN, _SLOT_BYTES, slot * _SLOT_BYTES)
                continue
            live.append(slot)
        self._live = live
        self._refreshed = time.monotonic()

    def opened(self) -> None:
        self.count += 1
        self._view[2 * self.slot + 1] = self.count

    def closed(self, shed: bool = False) -> None:
        self.count = max(0, self.count - 1)
        if shed:
            self._pending = max(0, self._pending - 1)
        self._view[2 * self.slot + 1] = self.count

    def counts(self) -> dict[int, int]:
        """Open connections per live worker pid (refreshes the list of live workers)."""
        self._refresh()
        return {int(self._view[2 * s]): int(self._view[2 * s + 1]) for s in self._live}

    def should_shed(self) -> bool:
        """Whether to close the connection of the request now starting; True reserves the close."""
        mine = self.count - self._pending
        if mine < 2:
            return False
        if time.monotonic() - self._refreshed > _REFRESH_S:
            self._refresh()
        others = [int(self._view[2 * s + 1]) for s in self._live if s != self.slot]
        if not others:
            return False
        total = self.count + sum(others)  # connections told to close come back somewhere
        fair = -(-total // (len(others) + 1))
        if mine > fair and mine - min(others) >= 2:
            self._pending += 1
            self.shed_total += 1
            return True
        return False


_ledger: ConnectionLedger | None = None
_ledger_pid = 0


def ledger() -> ConnectionLedger | None:
    """This worker's ledger (from ``MODOPS_SERVE_CONN_LEDGER``), or None when not set or unusable."""
    global _ledger, _ledger_pid
    if _ledger_pid != os.getpid():
        _ledger, _ledger_pid = None, os.getpid()
        path = os.environ.get(LEDGER_ENV)
        if path:
            try:
                _ledger = ConnectionLedger(Path(path))
            except (OSError, RuntimeError) as err:  # balancing is an optimisation: serve without it
                log.warning("connection balancing off in worker %d: %s", os.getpid(), err)
    return _ledger


class BalancedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, counting connections in the ledger and shedding the excess."""

    _modops_shed = False

    def connection_made(self, transport: Any) -> None:  # the base class overrides with a narrower type
        super().connection_made(transport)
        book = ledger()
        if book is not None:
            book.opened()

    def connection_lost(self, exc: Exception | None) -> None:
        book = ledger()
        if book is not None:
            book.closed(shed=self._modops_shed)
        super().connection_lost(exc)

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        cycle = self.cycle
        # (an upgrade request returns early and leaves the previous request's cycle in place)
        if self._modops_shed or cycle is None or cycle.scope is not self.scope or not cycle.keep_alive:
            return
        book = ledger()
        if book is not None and book.should_shed():
            cycle.keep_alive = False  # uvicorn answers with "connection: close" and closes after the response
            self._modops_shed = True
