"""End to end: ``modops serve`` as a real process on loopback, real registry champions.

* the official ``openai`` SDK talks to ``/v1/moderations``;
* a new champion promoted while a bounded load runs is picked up with zero failed requests;
* after a graceful shutdown the prediction log holds exactly one row per moderated text.
"""

from __future__ import annotations

import http.client
import json
import shutil
import signal
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from modops.monitoring import PredictionLog, default_log_path
from tests.e2e._server import Server
from tests.serving.conftest import ADMIN_KEY, sha

pytestmark = pytest.mark.slow


def test_openai_sdk_against_modops(modops_home: Path) -> None:
    from openai import OpenAI

    with Server(modops_home) as srv:
        out = srv.output()
        assert "curl -s" in out and f"{srv.url}/docs" in out, out
        client = OpenAI(base_url=f"{srv.url}/v1", api_key="not-needed", max_retries=0)
        texts = ["fuck you, you stupid bitch", "thanks, see you tomorrow at the office"]
        resp = client.moderations.create(input=texts, model="omni-moderation-latest")
        assert resp.id.startswith("modr-") and resp.model.startswith("modops/")
        toxic, fine = resp.results
        assert toxic.flagged and toxic.categories.harassment and toxic.category_scores.harassment > 0.5
        assert not fine.flagged and fine.category_scores.harassment < toxic.category_scores.harassment
        # every OpenAI category is present and typed as the SDK expects
        dumped = toxic.model_dump(by_alias=True)
        for key in ("harassment/threatening", "self-harm/intent", "sexual/minors", "illicit/violent"):
            assert key in dumped["categories"] and key in dumped["category_scores"]
        assert toxic.category_applied_input_types is not None
        single = client.moderations.create(input="have a great day")
        assert len(single.results) == 1 and not single.results[0].flagged
        # plain HTTP: the full decision endpoint and the PII redaction endpoint
        r = httpx.post(f"{srv.url}/v1/moderate", json={"input": "mail me at jo.doe@example.com"}, timeout=10)
        assert r.status_code == 200 and r.json()["results"][0]["action"] == "redact"
        r = httpx.post(f"{srv.url}/v1/pii/redact", json={"input": "ssn 078-05-1120"}, timeout=10)
        assert r.status_code == 200 and "078-05-1120" not in r.json()["results"][0]["redacted_text"]


def _new_toxicity_bundle(tmp: Path) -> tuple[Path, str]:
    """A copy of the served toxicity bundle with a new version string (same weights)."""
    from modops import registry

    src = registry.resolve_bundle("toxicity", "champion")
    dst = tmp / "toxicity_v2"
    shutil.copytree(src, dst)
    meta = json.loads((dst / "detector.json").read_text())
    meta["version"] = f"{meta['version']}-e2e-v2"
    (dst / "detector.json").write_text(json.dumps(meta))
    return dst, meta["version"]


def test_hot_reload_under_load_then_graceful_shutdown_loses_nothing(
    modops_home: Path, tmp_path: Path
) -> None:
    from modops import registry

    env = {"MODOPS_ADMIN_API_KEYS": json.dumps([sha(ADMIN_KEY)])}
    with Server(modops_home, "--reload-interval", "0.5", env=env) as srv:
        before = httpx.get(f"{srv.url}/v1/models", timeout=10).json()
        old = {m["name"]: m for m in before["data"]}["toxicity"]
        assert old["registry_version"] == "1" and "champion" in old["aliases"]

        stop = threading.Event()
        outcomes: Counter[str] = Counter()
        versions_seen: Counter[str] = Counter()
        texts_sent = Counter[str]()
        lock = threading.Lock()

        def worker(k: int) -> None:
            with httpx.Client(base_url=srv.url, timeout=30) as c:
                i = 0
                while not stop.is_set() and i < 400:  # bounded
                    i += 1
                    batch = i % 5 == 0
                    payload = {
                        "input": [f"w{k} msg {i} you idiot", "fine"] if batch else f"w{k} msg {i} hello"
                    }
                    try:
                        r = c.post("/v1/moderate", json=payload)
                        ok = r.status_code == 200
                        key = "ok" if ok else f"http {r.status_code}"
                        if ok:
                            for d in r.json()["results"]:
                                with lock:
                                    versions_seen[d["model_versions"]["toxicity"]] += 1
                    except httpx.HTTPError as err:
                        ok, key = False, type(err).__name__
                    with lock:
                        outcomes[key] += 1
                        if ok:
                            texts_sent["texts"] += 2 if batch else 1

        threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        time.sleep(1.0)
        bundle, new_version = _new_toxicity_bundle(tmp_path)
        version = registry.register_bundle("toxicity", bundle, description="e2e hot reload")
        registry.promote("toxicity", version, reason="e2e hot-reload test", actor="tests")
        # the poller (0.5 s) picks it up; wait for the swap, then keep the load on a bit longer
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            served = {m["name"]: m for m in httpx.get(f"{srv.url}/v1/models", timeout=10).json()["data"]}
            if served["toxicity"]["registry_version"] == version:
                break
            time.sleep(0.2)
        time.sleep(1.0)
        stop.set()
        for t in threads:
            t.join(60)

        assert (
            served["toxicity"]["registry_version"] == version and served["toxicity"]["version"] == new_version
        )
        assert set(outcomes) == {"ok"}, outcomes  # zero failures during the swap
        assert versions_seen[new_version] > 0 and versions_seen[old["version"]] > 0, versions_seen

        # the admin endpoint reloads on demand (nothing changed → no swap unless forced)
        hdr = {"Authorization": f"Bearer {ADMIN_KEY}"}
        r = httpx.post(f"{srv.url}/v1/admin/reload", headers=hdr, timeout=60)
        assert r.status_code == 200 and r.json()["reloaded"] is False
        r = httpx.post(f"{srv.url}/v1/admin/reload", json={"force": True}, headers=hdr, timeout=60)
        assert r.status_code == 200 and r.json()["reloaded"] is True

        metrics = httpx.get(f"{srv.url}/metrics", timeout=10).text
        assert (
            f'modops_model_info{{detector="toxicity",registry_version="{version}",version="{new_version}"}} 1.0'
            in metrics
        )
        assert "modops_model_reloads_total 2.0" in metrics

        n_texts = texts_sent["texts"]
        rc = srv.stop()
    # uvicorn re-raises the signal after its graceful shutdown, so SIGTERM's status is expected
    assert rc in (0, -signal.SIGTERM), srv.output()
    assert "Application shutdown complete" in srv.output()
    # graceful shutdown flushed the prediction log: exactly one row per moderated text
    assert PredictionLog(default_log_path(modops_home)).count() == n_texts


def _keepalive_spread(host: str, port: int, n: int) -> Counter[int]:
    """Open ``n`` connections at once, then send rounds of requests on each until no worker asks a
    connection to close; the connections per worker pid at that point."""
    conns = [http.client.HTTPConnection(host, port, timeout=30) for _ in range(n)]
    for c in conns:
        c.connect()
    try:
        for _ in range(50):
            pids: Counter[int] = Counter()
            moved = False
            for c in conns:
                c.request("GET", "/readyz")  # reconnects by itself after a "connection: close"
                r = c.getresponse()
                assert r.status == 200
                pids[json.loads(r.read())["detail"]["pid"]] += 1
                moved = moved or r.will_close
            if not moved:
                return pids
        raise AssertionError(f"connections still moving between workers after 50 rounds: {pids}")
    finally:
        for c in conns:
            c.close()


def _ready_detail(url: str) -> dict[str, int]:
    # a fresh connection each time, so the kernel hands it to either worker
    r = httpx.get(f"{url}/readyz", timeout=10, headers={"connection": "close"})
    assert r.status_code == 200, r.text
    detail: dict[str, int] = r.json()["detail"]
    return detail


def test_two_workers_share_port_metrics_reloads_and_log(modops_home: Path) -> None:
    env = {"MODOPS_ADMIN_API_KEYS": json.dumps([sha(ADMIN_KEY)])}
    with Server(modops_home, "--workers", "2", "--reload-interval", "600", env=env) as srv:
        pids: set[int] = set()
        for _ in range(60):
            pids.add(_ready_detail(srv.url)["pid"])
            if len(pids) == 2:
                break
        assert len(pids) == 2, "both worker processes answer on the shared port"
        # both started on a fresh home: the defaults were registered once, not once per worker
        served = {m["name"]: m for m in httpx.get(f"{srv.url}/v1/models", timeout=10).json()["data"]}
        assert served["toxicity"]["registry_version"] == "1" and served["pii"]["registry_version"] == "1"

        sent = 0
        for i in range(30):  # fresh connections: spread over both workers
            r = httpx.post(f"{srv.url}/v1/moderate", json={"input": f"msg {i} you idiot"}, timeout=30)
            assert r.status_code == 200, r.text
            sent += 1
        with httpx.Client(base_url=srv.url, timeout=30) as c:  # and a keep-alive one
            for i in range(10):
                r = c.post("/v1/moderate", json={"input": [f"batch {i}", "fine"]})
                assert r.status_code == 200, r.text
                sent += 2
        metrics = httpx.get(f"{srv.url}/metrics", timeout=10).text
        # counters are summed over the workers' files, whichever worker renders /metrics
        assert 'http_requests_total{handler="/v1/moderate",method="POST",status="200"} 40.0' in metrics
        assert "modops_model_generation 1.0" in metrics
        assert 'modops_model_info{detector="toxicity"' in metrics

        # a burst of keep-alive connections (a proxy's pool) ends up spread evenly over the workers
        spread = _keepalive_spread("127.0.0.1", srv.port, 8)
        assert sorted(spread.values()) == [4, 4], spread

        # an admin reload reaches one worker; the other follows through the signal file
        hdr = {"Authorization": f"Bearer {ADMIN_KEY}"}
        r = httpx.post(f"{srv.url}/v1/admin/reload", json={"force": True}, headers=hdr, timeout=60)
        assert r.status_code == 200 and r.json()["reloaded"] is True, r.text
        assert "other workers" in r.json()["message"]
        generations: dict[int, int] = {}
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            d = _ready_detail(srv.url)
            generations[d["pid"]] = d["generation"]
            if len(generations) == 2 and set(generations.values()) == {2}:
                break
            time.sleep(0.1)
        assert generations == {pid: 2 for pid in pids}, generations
        assert srv.output().count("modops is ready on") == 1, "one banner, not one per worker"
        rc = srv.stop()
    assert rc in (0, -signal.SIGTERM), srv.output()
    # each worker flushed its share of the prediction log on the graceful shutdown
    assert PredictionLog(default_log_path(modops_home)).count() == sent
