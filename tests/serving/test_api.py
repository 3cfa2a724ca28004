"""The service's endpoints against the real app and the real served models."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from modops.serving.openai_compat import OPENAI_CATEGORIES

TOXIC = "fuck you, you stupid bitch"  # the shipped linear model scores this ~0.70 (harmful)
PII_TEXT = "call me at 415-555-0132 or write to jo.doe@example.com"


def test_moderate_single_text(client: TestClient) -> None:
    r = client.post("/v1/moderate", json={"input": PII_TEXT})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["id"].startswith("modr-")
    (d,) = body["results"]
    assert set(d["results"]) == {"toxicity", "pii"}
    assert d["action"] == "redact" and d["flagged"] is True
    emails = [f for f in d["findings"] if f["label"] == "EMAIL_ADDRESS"]
    assert emails and PII_TEXT[emails[0]["start"] : emails[0]["end"]] == "jo.doe@example.com"
    assert "jo.doe@example.com" not in d["redacted_text"] and "<EMAIL_ADDRESS>" in d["redacted_text"]
    assert "EMAIL_ADDRESS" in d["results"]["pii"]["categories"]
    assert d["results"]["toxicity"]["severity"] in {
        "safe",
        "potentially_harmful",
        "harmful",
        "extremely_harmful",
    }
    assert {"toxicity", "pii", "normalizer"} <= set(d["model_versions"])
    assert {"normalize", "toxicity", "pii"} <= set(d["timings_ms"])
    assert isinstance(d["normalized_text"], str) and isinstance(d["substitutions"], list)


def test_moderate_batch_and_selection(client: TestClient) -> None:
    r = client.post("/v1/moderate", json={"input": ["have a lovely day", TOXIC], "detectors": ["toxicity"]})
    assert r.status_code == 200, r.text
    safe, toxic = r.json()["results"]
    assert set(safe["results"]) == {"toxicity"}
    assert safe["action"] == "allow" and not safe["flagged"]
    assert toxic["flagged"] and toxic["action"] in {"review", "block"}
    assert (
        toxic["results"]["toxicity"]["scores"]["toxicity"] > safe["results"]["toxicity"]["scores"]["toxicity"]
    )


def test_unknown_detector_is_404(client: TestClient) -> None:
    r = client.post("/v1/moderate", json={"input": "hi", "detectors": ["nope"]})
    assert r.status_code == 404
    assert "nope" in r.json()["error"]["message"]


def test_openai_compatible_shape(client: TestClient) -> None:
    r = client.post(
        "/v1/moderations", json={"input": [TOXIC, "what a nice picture"], "model": "omni-moderation-latest"}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["id"].startswith("modr-") and body["model"].startswith("modops/")
    toxic, nice = body["results"]
    for res in (toxic, nice):
        assert set(res["categories"]) == set(OPENAI_CATEGORIES) == set(res["category_scores"])
        assert all(isinstance(v, bool) for v in res["categories"].values())
        assert all(0.0 <= v <= 1.0 for v in res["category_scores"].values())
        assert res["flagged"] == any(res["categories"].values())
    assert toxic["flagged"] and toxic["categories"]["harassment"]
    assert not nice["flagged"]
    # a single string and OpenAI multi-modal text parts (one input → one result)
    assert len(client.post("/v1/moderations", json={"input": TOXIC}).json()["results"]) == 1
    parts = [{"type": "text", "text": "you idiot"}, {"type": "text", "text": "I hate you"}]
    assert len(client.post("/v1/moderations", json={"input": parts}).json()["results"]) == 1
    img = [{"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}]
    r = client.post("/v1/moderations", json={"input": img})
    assert r.status_code == 422 and "image" in r.json()["error"]["message"]


@pytest.mark.parametrize(
    ("operator", "check"),
    [
        ("replace", lambda t: "<EMAIL_ADDRESS>" in t),
        ("mask", lambda t: "*" in t),
        ("hash", lambda t: "<EMAIL_ADDRESS:" in t),
        ("placeholder", lambda t: "<EMAIL_ADDRESS_1>" in t),
    ],
)
def test_pii_redact_operators(client: TestClient, operator: str, check: Callable[[str], bool]) -> None:
    r = client.post("/v1/pii/redact", json={"input": PII_TEXT, "operator": operator})
    assert r.status_code == 200, r.text
    (res,) = r.json()["results"]
    assert "jo.doe@example.com" not in res["redacted_text"] and check(res["redacted_text"])
    assert any(i["label"] == "EMAIL_ADDRESS" for i in res["items"])


def test_pii_redact_labels_and_bad_operator(client: TestClient) -> None:
    r = client.post("/v1/pii/redact", json={"input": PII_TEXT, "labels": ["PHONE_NUMBER"]})
    (res,) = r.json()["results"]
    assert "jo.doe@example.com" in res["redacted_text"] and "415-555-0132" not in res["redacted_text"]
    r = client.post("/v1/pii/redact", json={"input": PII_TEXT, "operator": "shred"})
    assert r.status_code == 422 and "shred" in r.json()["error"]["message"]
    # encrypt without MODOPS_ENCRYPTION_KEY is a clear 422, not a 500
    r = client.post("/v1/pii/redact", json={"input": PII_TEXT, "operator": "encrypt"})
    assert r.status_code == 422 and "MODOPS_ENCRYPTION_KEY" in r.json()["error"]["message"]


def test_models_health_ready(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    models = client.get("/v1/models").json()
    names = {m["name"]: m for m in models["data"]}
    assert {"toxicity", "pii"} <= set(names)
    assert all(m["version"] for m in names.values())
    assert models["policy"] == "default" and models["generation"] == 1


def test_metrics_exposition(client: TestClient) -> None:
    client.post("/v1/moderate", json={"input": ["hello", TOXIC]})
    text = client.get("/metrics").text
    assert 'http_requests_total{handler="/v1/moderate",method="POST",status="200"}' in text
    assert "http_request_duration_seconds_bucket" in text
    assert 'modops_detector_latency_seconds_bucket{detector="toxicity"' in text
    assert 'modops_detector_latency_seconds_bucket{detector="pii"' in text
    assert 'modops_model_info{detector="toxicity"' in text
    assert 'modops_decisions_total{action="allow",route="/v1/moderate"}' in text


def test_not_ready_is_503(modops_home) -> None:  # type: ignore[no-untyped-def]
    import threading

    from modops.config import Settings
    from modops.serving import create_app

    gate = threading.Event()

    def slow_factory():  # type: ignore[no-untyped-def]
        gate.wait(30)
        raise RuntimeError("registry down")

    app = create_app(Settings(home=modops_home, reload_interval_s=3600), slow_factory)
    with TestClient(app) as c:
        assert c.get("/healthz").status_code == 200
        r = c.get("/readyz")
        assert r.status_code == 503 and r.json()["status"] == "loading"
        r = c.post("/v1/moderate", json={"input": "hi"})
        assert r.status_code == 503 and r.json()["error"]["type"] == "unavailable"
        gate.set()
        for _ in range(100):
            if app.state.models.last_error:
                break
            threading.Event().wait(0.05)
        r = c.get("/readyz")
        assert r.status_code == 503 and "registry down" in r.json()["detail"]["error"]
