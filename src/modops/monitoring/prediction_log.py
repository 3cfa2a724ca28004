"""Prediction log: every decision the service makes, in an embedded SQLite file under ``MODOPS_HOME``.

Writes never block a request: ``log()`` only appends records to an in-memory buffer and a
single writer thread inserts them in batches (one transaction per batch) every
``flush_interval_s``. ``close()`` drains the buffer before returning, so a graceful shutdown
loses nothing.

The raw text is stored only when ``store_text`` is on; otherwise a salted hash
(HMAC-SHA256 keyed with ``hash_salt``) lets you join repeated inputs without keeping them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import random
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS predictions (
    id TEXT PRIMARY KEY,
    ts REAL NOT NULL,
    request_id TEXT,
    route TEXT NOT NULL,
    action TEXT NOT NULL,
    flagged INTEGER NOT NULL,
    model_versions TEXT NOT NULL,
    scores TEXT NOT NULL,
    input_chars INTEGER NOT NULL,
    latency_ms REAL NOT NULL,
    batch_size INTEGER NOT NULL DEFAULT 1,
    policy TEXT,
    text_hash TEXT NOT NULL,
    text TEXT
);
CREATE INDEX IF NOT EXISTS predictions_ts ON predictions (ts);
"""

_COLUMNS = (
    "id",
    "ts",
    "request_id",
    "route",
    "action",
    "flagged",
    "model_versions",
    "scores",
    "input_chars",
    "latency_ms",
    "batch_size",
    "policy",
    "text_hash",
    "text",
)
_INSERT = f"INSERT INTO predictions ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' for _ in _COLUMNS)})"


_rng = random.Random(random.SystemRandom().getrandbits(128))
if hasattr(os, "register_at_fork"):  # a forked worker must not repeat its parent's ids
    os.register_at_fork(after_in_child=lambda: _rng.seed(random.SystemRandom().getrandbits(128)))


def _record_id() -> str:
    """32 random hex digits (uuid4's shape) without a system call per record."""
    return f"{_rng.getrandbits(128):032x}"


def default_log_path(home: Path) -> Path:
    """Where the service keeps its prediction log: ``$MODOPS_HOME/monitoring/predictions.sqlite``."""
    return home / "monitoring" / "predictions.sqlite"


def salted_hash(text: str, salt: str) -> str:
    """HMAC-SHA256 of the text keyed with the salt, hex encoded."""
    return hmac.new(salt.encode("utf-8"), text.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


@dataclass(slots=True)
class PredictionRecord:
    """One decision, as it is logged. ``text`` is dropped by the log unless store_text is on."""

    route: str
    action: str
    flagged: bool
    model_versions: dict[str, str]
    scores: dict[str, dict[str, float]]
    text: str
    latency_ms: float
    batch_size: int = 1
    policy: str | None = None
    request_id: str | None = None
    ts: float = field(default_factory=time.time)
    id: str = field(default_factory=lambda: _record_id())


class PredictionLog:
    """Queue + batched writer thread in front of one SQLite file (WAL mode)."""

    def __init__(
        self,
        path: Path,
        *,
        store_text: bool = False,
        hash_salt: str = "",
        batch_size: int = 512,
        flush_interval_s: float = 0.05,
    ) -> None:
        self.path = Path(path)
        self.store_text = store_text
        self._salt = hash_salt
        self._batch_size = batch_size
        self._flush_interval_s = flush_interval_s
        # A deque, not a queue: appending wakes no thread. Waking the writer on every record made
        # it contend for the GIL with the request path (measured under load); it polls instead.
        self._buffer: deque[PredictionRecord] = deque()
        self._wake = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.written = 0
        self.failed = 0
        self._versions_json: dict[tuple[tuple[str, str], ...], str] = {}
        self._init_db()

    # -- lifecycle -------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30.0, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    def _init_db(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = self._connect()
        try:
            conn.executescript(SCHEMA)
            conn.commit()
        finally:
            conn.close()

    def start(self) -> PredictionLog:
        """Start the writer thread (idempotent)."""
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._stopping = False
                self._thread = threading.Thread(target=self._run, name="modops-prediction-log", daemon=True)
                self._thread.start()
        return self

    def close(self, timeout: float | None = 30.0) -> None:
        """Flush everything logged so far, then stop the writer."""
        with self._lock:
            thread = self._thread
            self._thread = None
        if thread is not None:
            self._stopping = True
            self._wake.set()
            thread.join(timeout)
        # Anything logged after the writer's last pass (a request racing the shutdown) is written here.
        self._drain_inline()

    def __enter__(self) -> PredictionLog:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing ---------------------------------------------------------------------------

    def log(self, records: Iterable[PredictionRecord]) -> None:
        """Buffer records for writing; never blocks on I/O."""
        self._buffer.extend(records)
        if len(self._buffer) >= self._batch_size:
            self._wake.set()  # a full batch is waiting: write it now rather than at the next tick

    @property
    def pending(self) -> int:
        return len(self._buffer)

    def _take(self, n: int) -> list[PredictionRecord]:
        out: list[PredictionRecord] = []
        buf = self._buffer
        try:
            while buf and len(out) < n:
                out.append(buf.popleft())
        except IndexError:  # emptied by a shutdown drain racing the writer
            pass
        return out

    def _row(self, r: PredictionRecord) -> tuple[Any, ...]:
        return (
            r.id,
            r.ts,
            r.request_id,
            r.route,
            r.action,
            int(r.flagged),
            self._versions(r.model_versions),
            json.dumps(r.scores, sort_keys=True),
            len(r.text),
            round(float(r.latency_ms), 3),
            r.batch_size,
            r.policy,
            salted_hash(r.text, self._salt),
            r.text if self.store_text else None,
        )

    def _versions(self, versions: dict[str, str]) -> str:
        # The same few version maps repeat on every record: encode each once.
        key = tuple(sorted(versions.items()))
        out = self._versions_json.get(key)
        if out is None:
            if len(self._versions_json) > 64:
                self._versions_json.clear()
            out = self._versions_json[key] = json.dumps(versions, sort_keys=True)
        return out

    def _write(self, conn: sqlite3.Connection, batch: Sequence[PredictionRecord]) -> None:
        if not batch:
            return
        rows = [self._row(r) for r in batch]
        for attempt in range(3):
            try:
                with conn:
                    conn.executemany(_INSERT, rows)
                self.written += len(rows)
                return
            except sqlite3.OperationalError as err:  # e.g. "database is locked" under a reader
                if attempt == 2:
                    self.failed += len(rows)
                    log.error("prediction log: could not write %d rows: %s", len(rows), err)
                    return
                time.sleep(0.05 * (attempt + 1))

    def _run(self) -> None:
        conn = self._connect()
        try:
            while True:
                self._wake.wait(self._flush_interval_s)
                self._wake.clear()
                stopping = self._stopping
                while self._buffer:
                    self._write(conn, self._take(self._batch_size))
                if stopping:
                    return
        finally:
            conn.close()

    def _drain_inline(self) -> None:
        if not self._buffer:
            return
        conn = self._connect()
        try:
            while self._buffer:
                self._write(conn, self._take(self._batch_size))
        finally:
            conn.close()

    # -- reading (for monitoring) ----------------------------------------------------------

    def count(self) -> int:
        """Rows written so far (queued records are not counted until flushed)."""
        conn = self._connect()
        try:
            return int(conn.execute("SELECT COUNT(*) FROM predictions").fetchone()[0])
        finally:
            conn.close()

    def recent(self, n: int = 100) -> list[dict[str, Any]]:
        """The ``n`` newest rows, newest first, with JSON columns decoded."""
        conn = self._connect()
        conn.row_factory = sqlite3.Row
        try:
            rows = conn.execute(
                "SELECT * FROM predictions ORDER BY ts DESC, rowid DESC LIMIT ?", (max(int(n), 0),)
            ).fetchall()
        finally:
            conn.close()
        out = []
        for row in rows:
            d = dict(row)
            d["model_versions"] = json.loads(d["model_versions"])
            d["scores"] = json.loads(d["scores"])
            d["flagged"] = bool(d["flagged"])
            out.append(d)
        return out
