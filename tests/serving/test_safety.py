"""Bad input never gets a 500: structured errors, size limits, auth."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from tests.serving.conftest import ADMIN_KEY, USER_KEY, sha

JSON = {"content-type": "application/json"}


def _error(r, status: int, type_: str | None = None) -> dict:  # type: ignore[no-untyped-def]
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"} and {"type", "message"} <= set(body["error"])
    assert body["error"]["message"] and "\n" not in body["error"]["message"]
    if type_:
        assert body["error"]["type"] == type_
    return body["error"]


@pytest.mark.parametrize(
    ("content", "status", "needle"),
    [
        (b"", 422, "input"),  # empty body
        (b"{}", 422, "input"),
        (b"{bad json", 422, "not valid JSON"),
        (b"\xff\xfe\x00{", 422, "UTF-8"),  # not UTF-8
        (b'{"input": "caf\xe9"}', 422, "UTF-8"),  # latin-1 inside JSON
        (b"[1, 2, 3]", 422, "input"),
        (b'{"input": 42}', 422, "input"),  # wrong type
        (b'{"input": [1, 2]}', 422, "input"),
        (b'{"input": null}', 422, "input"),
        (b'{"input": []}', 422, "empty"),
        (b'{"input": "hi", "detectors": "toxicity"}', 422, "detectors"),
        (b'{"input": "hi", "extra": 1}', 422, "extra"),
        (b'"just a string"', 422, "input"),
    ],
)
def test_bad_bodies(client: TestClient, content: bytes, status: int, needle: str) -> None:
    err = _error(client.post("/v1/moderate", content=content, headers=JSON), status)
    assert needle.lower() in (err["message"] + str(err.get("detail", ""))).lower()


def test_wrong_content_type_is_422(client: TestClient) -> None:
    _error(client.post("/v1/moderate", content=b"hello", headers={"content-type": "text/plain"}), 422)


def test_huge_body_is_413_by_length_and_by_stream(make_client: Callable[..., TestClient]) -> None:
    client = make_client(max_request_bytes=10_000)
    big = b'{"input": "' + b"a" * 20_000 + b'"}'
    err = _error(client.post("/v1/moderate", content=big, headers=JSON), 413, "payload_too_large")
    assert "10000" in err["message"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: chunked transfer, counted as it streams
        yield b'{"input": "'
        for _ in range(20):
            yield b"a" * 1000
        yield b'"}'

    _error(client.post("/v1/moderate", content=chunks(), headers=JSON), 413, "payload_too_large")
    # under the limit still works
    assert client.post("/v1/moderate", json={"input": "a" * 5000}).status_code == 200


def test_text_and_batch_limits(make_client: Callable[..., TestClient]) -> None:
    client = make_client(max_text_chars=100, max_batch_size=3)
    err = _error(client.post("/v1/moderate", json={"input": ["ok", "x" * 101]}), 422, "validation_error")
    assert "input[1]" in err["message"] and "100" in err["message"]
    err = _error(client.post("/v1/moderate", json={"input": ["a"] * 4}), 422)
    assert "too many texts" in err["message"]
    _error(client.post("/v1/moderations", json={"input": ["a"] * 4}), 422)
    _error(client.post("/v1/pii/redact", json={"input": "y" * 101}), 422)


def test_unknown_route_and_method(client: TestClient) -> None:
    _error(client.get("/v1/nope"), 404, "not_found")
    _error(client.get("/v1/moderate"), 405, "method_not_allowed")
    _error(client.put("/v1/moderations", json={}), 405)


def test_empty_and_whitespace_texts_are_answered(client: TestClient) -> None:
    r = client.post("/v1/moderate", json={"input": ["", "   "]})
    assert r.status_code == 200
    assert all(d["action"] == "allow" and "empty text" in d["notes"] for d in r.json()["results"])


def test_unicode_edge_cases(client: TestClient) -> None:
    texts = [
        "😀" * 50,
        "\u200b\u200bzero width",
        "e\u0301\u0301\u0301",
        "\x00nul byte",
        "a\ud800b"[:1],
        "𝓲𝓭𝓲𝓸𝓽",
    ]
    r = client.post("/v1/moderate", json={"input": texts})
    assert r.status_code == 200, r.text
    assert len(r.json()["results"]) == len(texts)


def test_lone_surrogate_escape_is_not_500(client: TestClient) -> None:
    r = client.post("/v1/moderate", content=b'{"input": "a\\ud800b"}', headers=JSON)
    assert r.status_code == 422 and "surrogate" in r.json()["error"]["message"]


def test_api_keys(make_client: Callable[..., TestClient]) -> None:
    client = make_client(api_keys=[sha(USER_KEY)])
    body = {"input": "hello"}
    err = _error(client.post("/v1/moderate", json=body), 401, "unauthorized")
    assert "API key" in err["message"]
    _error(
        client.post("/v1/moderate", json=body, headers={"Authorization": "Bearer wrong"}), 403, "forbidden"
    )
    _error(client.post("/v1/moderations", json=body, headers={"X-API-Key": "wrong"}), 403)
    _error(client.get("/v1/models"), 401)
    assert (
        client.post("/v1/moderate", json=body, headers={"Authorization": f"Bearer {USER_KEY}"}).status_code
        == 200
    )
    assert client.post("/v1/moderations", json=body, headers={"X-API-Key": USER_KEY}).status_code == 200
    # health, readiness and metrics stay open for probes and scrapers
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    assert client.get("/metrics").status_code == 200


def test_admin_reload_auth(make_client: Callable[..., TestClient]) -> None:
    open_client = make_client()
    err = _error(open_client.post("/v1/admin/reload"), 403)
    assert "MODOPS_ADMIN_API_KEYS" in err["message"]
    client = make_client(admin_api_keys=[sha(ADMIN_KEY)])
    _error(client.post("/v1/admin/reload"), 401)
    _error(client.post("/v1/admin/reload", headers={"Authorization": "Bearer user-secret-key"}), 403)
    r = client.post(
        "/v1/admin/reload", json={"force": True}, headers={"Authorization": f"Bearer {ADMIN_KEY}"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["reloaded"] is True and r.json()["generation"] == 2
    r = client.post("/v1/admin/reload", headers={"X-API-Key": ADMIN_KEY})
    assert r.status_code == 200 and r.json()["generation"] >= 2


def test_raw_text_never_in_logs(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    secret = "zq-secret-marker-8841 jo.doe@example.com"
    caplog.set_level("DEBUG")
    client.post("/v1/moderate", json={"input": secret})
    client.post("/v1/moderate", json={"input": [secret], "detectors": ["nope"]})
    client.post("/v1/moderate", json={"input": secret, "bad": 1})
    assert "zq-secret-marker-8841" not in caplog.text


def test_surrogates_in_other_fields_are_not_500(client: TestClient) -> None:
    r = client.post("/v1/moderate", content=b'{"input": "hi", "detectors": ["\\ud800"]}', headers=JSON)
    assert r.status_code == 404
    r = client.post("/v1/pii/redact", content=b'{"input": "hi", "operator": "\\udfff"}', headers=JSON)
    assert r.status_code == 422
