"""Service test fixtures: the real app (create_app) on the real registry champions.

The Moderator is built ONCE per session through the same path the service uses
(``registry_factory``: shipped defaults registered in a real SQLite MLflow store, then
the champions loaded), and each test gets a fresh app around it, so the tests stay fast.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from modops.config import Settings, reset_settings
from modops.moderator import Moderator

ADMIN_KEY = "admin-secret-key"
USER_KEY = "user-secret-key"


def sha(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def build_registry_moderator(home: Path) -> Moderator:
    """Registry champions (shipped defaults registered on first use) under ``home``."""
    from modops.serving.models import registry_factory

    old = os.environ.get("MODOPS_HOME")
    os.environ["MODOPS_HOME"] = str(home)
    reset_settings()
    try:
        from modops.config import get_settings

        build, _ = registry_factory(get_settings())
        return build()
    finally:
        if old is None:
            os.environ.pop("MODOPS_HOME", None)
        else:
            os.environ["MODOPS_HOME"] = old
        reset_settings()


@pytest.fixture(scope="session")
def shared_moderator(tmp_path_factory: pytest.TempPathFactory) -> Moderator:
    moderator = build_registry_moderator(tmp_path_factory.mktemp("serving_home"))
    assert {"toxicity", "pii"} <= set(moderator.detectors), moderator.detectors
    return moderator


@pytest.fixture
def make_client(shared_moderator: Moderator, modops_home: Path) -> Iterator[Callable[..., TestClient]]:
    """``make_client(**settings)`` → a started TestClient whose models are loaded."""
    clients: list[TestClient] = []

    def _make(**overrides: Any) -> TestClient:
        settings = Settings(home=modops_home, reload_interval_s=3600, **overrides)
        app = create_test_app(settings, lambda: shared_moderator)
        client = TestClient(app, raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        assert app.state.models.wait_ready(60), app.state.models.last_error
        return client

    yield _make
    for c in clients:
        c.__exit__(None, None, None)


def create_test_app(settings: Settings, factory: Callable[[], Moderator]) -> FastAPI:
    from modops.serving import create_app

    return create_app(settings, factory)


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client()
