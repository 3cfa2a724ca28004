"""Prediction log: queue + batched writer, nothing lost on shutdown, no raw text unless allowed."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from fastapi.testclient import TestClient

from modops.config import Settings
from modops.moderator import Moderator
from modops.monitoring import PredictionLog, PredictionRecord, default_log_path, salted_hash
from modops.serving import create_app


def _rec(text: str, i: int = 0) -> PredictionRecord:
    return PredictionRecord(
        route="/v1/moderate",
        action="allow",
        flagged=False,
        model_versions={"toxicity": "t1"},
        scores={"toxicity": {"toxicity": 0.1 * (i % 10)}},
        text=text,
        latency_ms=1.5,
    )


def test_log_writes_batches_and_reads_back(tmp_path: Path) -> None:
    with PredictionLog(tmp_path / "p.sqlite", hash_salt="s1") as plog:
        plog.log(_rec(f"text {i}", i) for i in range(1000))
    assert plog.count() == 1000 and plog.written == 1000
    rows = plog.recent(3)
    assert len(rows) == 3
    row = rows[0]
    assert row["text"] is None and row["input_chars"] == len("text 999")
    assert row["text_hash"] == salted_hash("text 999", "s1") != salted_hash("text 999", "other-salt")
    assert row["model_versions"] == {"toxicity": "t1"} and row["scores"]["toxicity"]["toxicity"] >= 0
    assert row["flagged"] is False and row["route"] == "/v1/moderate"


def test_store_text_opt_in(tmp_path: Path) -> None:
    with PredictionLog(tmp_path / "p.sqlite", store_text=True) as plog:
        plog.log([_rec("keep me")])
    assert plog.recent(1)[0]["text"] == "keep me"


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    plog = PredictionLog(tmp_path / "p.sqlite", batch_size=64).start()

    def burst(k: int) -> None:
        for i in range(250):
            plog.log([_rec(f"{k}-{i}")])

    threads = [threading.Thread(target=burst, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    plog.close()
    assert plog.count() == 2000
    # logging after close still lands (written inline on the next close)
    plog.log([_rec("late")])
    plog.close()
    assert plog.count() == 2001


def test_service_logs_every_decision_and_flushes_on_shutdown(
    shared_moderator: Moderator, modops_home: Path
) -> None:
    secret = "zq-secret-8841 call 415-555-0132"
    settings = Settings(home=modops_home, reload_interval_s=3600)
    app = create_app(settings, lambda: shared_moderator)
    n_single, n_batch = 60, 20
    with TestClient(app) as client:
        assert app.state.models.wait_ready(60)
        with ThreadPoolExecutor(8) as pool:
            codes = list(
                pool.map(
                    lambda i: client.post("/v1/moderate", json={"input": f"{secret} {i}"}).status_code,
                    range(n_single),
                )
            )
        assert codes == [200] * n_single
        r = client.post("/v1/moderations", json={"input": ["a", "b", "c", "d"] * (n_batch // 4)})
        assert r.status_code == 200
        r = client.post("/v1/pii/redact", json={"input": secret})
        assert r.status_code == 200
        client.post("/v1/moderate", json={"input": []})  # rejected: logs nothing
    # the lifespan shutdown drained the queue
    plog = PredictionLog(default_log_path(modops_home))
    assert plog.count() == n_single + n_batch + 1
    rows = plog.recent(200)
    assert {r["route"] for r in rows} == {"/v1/moderate", "/v1/moderations", "/v1/pii/redact"}
    assert all(r["text"] is None for r in rows)
    assert all("zq-secret-8841" not in str(r) for r in rows)
    batch_rows = [r for r in rows if r["route"] == "/v1/moderations"]
    assert all(r["batch_size"] == n_batch for r in batch_rows)
    # nothing in the SQLite file either
    assert b"zq-secret-8841" not in default_log_path(modops_home).read_bytes()
