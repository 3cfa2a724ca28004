"""Registry test fixtures: a real SQLite MLflow store per test, copied from one migrated template."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from modops import core
from tests.registry.kwdetector import NAME, write_kw_bundle
from tests.registry.kwdetector import register as register_kw


@pytest.fixture(autouse=True)
def kwtest_detector() -> Iterator[None]:
    """The test-only keyword detector is registered for registry tests and removed afterwards,
    so other test files sharing this worker never see it in ``available_detectors()``."""
    register_kw()
    yield
    core._DETECTORS.pop(NAME, None)


@pytest.fixture
def make_bundle(tmp_path: Path) -> Callable[..., Path]:
    """Write a kwtest bundle: ``make_bundle("v2", keywords=[...])``."""
    counter = iter(range(1000))

    def make(version: str = "kw-1", keywords: tuple[str, ...] = ("scam", "idiot"), **kw: str) -> Path:
        return write_kw_bundle(tmp_path / f"bundle-{next(counter)}", keywords=keywords, version=version, **kw)

    return make
