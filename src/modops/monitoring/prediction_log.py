"""Prediction log: every decision the service makes, in an embedded SQLite file under ``MODOPS_HOME``.

Writes never block a request: ``log()`` only puts records on an in-memory queue and a
single writer thread inserts them in batches (one transaction per batch). ``close()``
drains the queue before returning, so a graceful shutdown loses nothing.

The raw text is stored only when ``store_text`` is on; otherwise a salted hash
(HMAC-SHA256 keyed with ``hash_salt``) lets you join repeated inputs without keeping them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import queue
import sqlite3
import threading
import time
import uuid
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
_STOP = object()


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
    id: str = field(default_factory=lambda: uuid.uuid4().hex)


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
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.written = 0
        self.failed = 0
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
                self._thread = threading.Thread(target=self._run, name="modops-prediction-log", daemon=True)
                self._thread.start()
        return self

    def close(self, timeout: float | None = 30.0) -> None:
        """Flush everything queued so far, then stop the writer."""
        with self._lock:
            thread = self._thread
            self._thread = None
        if thread is None:
            self._drain_inline()
            return
        self._queue.put(_STOP)
        thread.join(timeout)
        # Anything logged after the sentinel (a request racing the shutdown) is written here.
        self._drain_inline()

    def __enter__(self) -> PredictionLog:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing ---------------------------------------------------------------------------

    def log(self, records: Iterable[PredictionRecord]) -> None:
        """Queue records for writing; never blocks on I/O."""
        for r in records:
            self._queue.put(r)

    @property
    def pending(self) -> int:
        return self._queue.qsize()

    def _row(self, r: PredictionRecord) -> tuple[Any, ...]:
        return (
            r.id,
            r.ts,
            r.request_id,
            r.route,
            r.action,
            int(r.flagged),
            json.dumps(r.model_versions, sort_keys=True),
            json.dumps(r.scores, sort_keys=True),
            len(r.text),
            round(float(r.latency_ms), 3),
            r.batch_size,
            r.policy,
            salted_hash(r.text, self._salt),
            r.text if self.store_text else None,
        )

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
            stop = False
            while not stop:
                batch: list[PredictionRecord] = []
                try:
                    item = self._queue.get(timeout=0.5)
                except queue.Empty:
                    continue
                if item is _STOP:
                    break
                batch.append(item)
                deadline = time.monotonic() + self._flush_interval_s
                while len(batch) < self._batch_size:
                    remaining = deadline - time.monotonic()
                    try:
                        item = (
                            self._queue.get(timeout=max(remaining, 0.0))
                            if remaining > 0
                            else self._queue.get_nowait()
                        )
                    except queue.Empty:
                        break
                    if item is _STOP:
                        stop = True
                        break
                    batch.append(item)
                self._write(conn, batch)
        finally:
            conn.close()

    def _drain_inline(self) -> None:
        batch = []
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is not _STOP:
                batch.append(item)
        if batch:
            conn = self._connect()
            try:
                for i in range(0, len(batch), self._batch_size):
                    self._write(conn, batch[i : i + self._batch_size])
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
