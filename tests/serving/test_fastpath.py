"""The ``POST /v1/moderate`` fast path answers exactly what the FastAPI route answers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from modops.config import Settings
from modops.moderator import Moderator
from modops.serving import create_app
from tests.serving.conftest import USER_KEY, sha

TEXTS = [
    "call me at 415-555-0132 or write to jo.doe@example.com",
    "Jennifer Lawson moved to 12 Main St., Springfield, IL 62704.",
    "fuck you, you stupid bitch",
    "have a lovely day",
]


def _volatile_free(body: dict[str, Any]) -> dict[str, Any]:
    """Drop what differs between two identical requests: the id and the timings."""
    out = dict(body)
    out.pop("id", None)
    out.pop("latency_ms", None)
    out["results"] = [{k: v for k, v in d.items() if k != "timings_ms"} for d in body.get("results", [])]
    return out


@pytest.fixture
def pair(shared_moderator: Moderator, modops_home: Path) -> Iterator[tuple[TestClient, TestClient]]:
    """Two apps on the same models: with and without the fast path."""
    clients = []
    for fast in (True, False):
        settings = Settings(home=modops_home, reload_interval_s=3600, api_keys=[sha(USER_KEY)])
        app = create_app(settings, lambda: shared_moderator, fast_path=fast)
        c = TestClient(app, raise_server_exceptions=False)
        c.__enter__()
        assert app.state.models.wait_ready(60)
        clients.append(c)
    yield clients[0], clients[1]
    for c in clients:
        c.__exit__(None, None, None)


AUTH = {"Authorization": f"Bearer {USER_KEY}"}


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        ({"input": TEXTS[0]}, AUTH),
        ({"input": TEXTS, "detectors": ["pii"]}, AUTH),
        ({"input": TEXTS[1:]}, {"X-API-Key": USER_KEY}),
        ({"input": TEXTS[2], "detectors": ["toxicity", "toxicity"]}, AUTH),
    ],
)
def test_fast_path_matches_route(
    pair: tuple[TestClient, TestClient], body: dict[str, Any], headers: dict[str, str]
) -> None:
    fast, slow = pair
    a, b = (
        fast.post("/v1/moderate", json=body, headers=headers),
        slow.post("/v1/moderate", json=body, headers=headers),
    )
    assert a.status_code == b.status_code == 200, (a.text, b.text)
    assert a.headers["content-type"] == b.headers["content-type"]
    assert _volatile_free(a.json()) == _volatile_free(b.json())


@pytest.mark.parametrize(
    ("content", "headers"),
    [
        (b'{"input": "hi"}', {}),  # no key: 401
        (b'{"input": "hi"}', {"X-API-Key": "wrong"}),  # 403
        (b'{"input": "hi", "inputs": 1}', AUTH),  # unknown field: 422
        (b'{"input": ', AUTH),  # bad JSON: 422
        (b'{"input": []}', AUTH),  # empty: 422
        (b'{"input": "hi", "detectors": ["nope"]}', AUTH),  # 404
        (b'{"input": "\\ud800"}', AUTH),  # lone surrogate: 422
        (b"[1, 2]", AUTH),  # not an object: 422
        (b"", AUTH),  # empty body: 422
    ],
)
def test_errors_go_through_the_route(
    pair: tuple[TestClient, TestClient], content: bytes, headers: dict[str, str]
) -> None:
    fast, slow = pair
    h = {"content-type": "application/json", **headers}
    a, b = (
        fast.post("/v1/moderate", content=content, headers=h),
        slow.post("/v1/moderate", content=content, headers=h),
    )
    assert a.status_code == b.status_code and a.status_code >= 400, (a.text, b.text)
    assert a.json() == b.json()
    assert a.headers.get("www-authenticate") == b.headers.get("www-authenticate")


def test_fast_path_is_counted_and_logged(pair: tuple[TestClient, TestClient]) -> None:
    fast, _ = pair
    r = fast.post("/v1/moderate", json={"input": ["hi", "there"]}, headers=AUTH)
    assert r.status_code == 200
    text = fast.get("/metrics").text
    assert 'http_requests_total{handler="/v1/moderate",method="POST",status="200"} 1.0' in text
    assert 'modops_decisions_total{action="allow",route="/v1/moderate"} 2.0' in text
    plog = fast.app.state.prediction_log  # type: ignore[attr-defined]
    plog.close()
    rows = plog.recent(10)
    assert len(rows) == 2 and {row["request_id"] for row in rows} == {r.json()["id"]}
