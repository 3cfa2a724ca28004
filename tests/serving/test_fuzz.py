"""Schemathesis fuzzing of the OpenAPI schema against the ASGI app: zero server errors.

Bounded (``max_examples`` per operation) so the whole module stays well under 60 s.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from modops.config import Settings
from modops.moderator import Moderator
from modops.serving import create_app
from tests.serving.conftest import ADMIN_KEY, sha

MAX_EXAMPLES = 20


@pytest.fixture(scope="module")
def fuzz_app(shared_moderator: Moderator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    home = tmp_path_factory.mktemp("fuzz_home")
    app = create_app(
        Settings(home=home, reload_interval_s=3600, admin_api_keys=[sha(ADMIN_KEY)], max_text_chars=2000),
        lambda: shared_moderator,
    )
    # The TestClient runs the lifespan (models, prediction log); schemathesis calls the same app.
    with TestClient(app):
        assert app.state.models.wait_ready(60)
        yield app


@pytest.fixture(scope="module")
def fuzz_schema(fuzz_app: FastAPI):  # type: ignore[no-untyped-def]
    return schemathesis.openapi.from_asgi("/openapi.json", fuzz_app)


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _operations(schema) -> list:  # type: ignore[no-untyped-def]
    return [result.ok() for result in schema.get_all_operations()]


def test_schema_covers_the_api(fuzz_schema) -> None:  # type: ignore[no-untyped-def]
    paths = {op.path for op in _operations(fuzz_schema)}
    assert {"/v1/moderate", "/v1/moderations", "/v1/pii/redact", "/v1/models", "/healthz", "/readyz"} <= paths


# schemathesis' pytest plugin does not support pytest 9 yet, so drive hypothesis directly.
_POSTS = ["/v1/moderate", "/v1/moderations", "/v1/pii/redact", "/v1/admin/reload"]
_CASES = (
    [(p, "POST", GenerationMode.POSITIVE) for p in _POSTS]
    # negative = schema-violating bodies (wrong types, missing fields); GETs have no inputs to break
    + [(p, "POST", GenerationMode.NEGATIVE) for p in _POSTS]
    + [(p, "GET", GenerationMode.POSITIVE) for p in ("/v1/models", "/healthz", "/readyz")]
)


@pytest.mark.parametrize(("path", "method", "mode"), _CASES, ids=[f"{m.value}-{p}" for p, _, m in _CASES])
def test_no_server_errors(fuzz_schema, path: str, method: str, mode: GenerationMode) -> None:  # type: ignore[no-untyped-def]
    operation = fuzz_schema[path][method]
    seen: list[int] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    def run(case) -> None:  # type: ignore[no-untyped-def]
        response = case.call_and_validate(checks=CHECKS)
        seen.append(response.status_code)

    run()
    assert seen and all(code < 500 for code in seen)
