"""Shared fixtures: every test gets its own MODOPS_HOME; real datasets skip cleanly when absent."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from modops.config import reset_settings

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ.get("MODOPS_DATA_DIR", REPO_ROOT.parent / "shared" / "datasets")).resolve()


@pytest.fixture(autouse=True)
def modops_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Isolate state: a fresh home (registry, datasets, logs) per test."""
    home = tmp_path / "modops_home"
    monkeypatch.setenv("MODOPS_HOME", str(home))
    monkeypatch.setenv("MODOPS_DATA_DIR", str(DATA_DIR))
    monkeypatch.delenv("MODOPS_TRACKING_URI", raising=False)
    reset_settings()
    yield home
    reset_settings()


@pytest.fixture
def data_dir() -> Path:
    """The shared public datasets; skips the test with a reason when they are absent."""
    if not DATA_DIR.is_dir():
        pytest.skip(f"shared datasets not found at {DATA_DIR} (set MODOPS_DATA_DIR)")
    return DATA_DIR


def require_dataset(relpath: str) -> Path:
    """Path to one file of the shared datasets, or skip the test with a reason."""
    path = DATA_DIR / relpath
    if not path.exists():
        pytest.skip(f"dataset file {relpath} not found under {DATA_DIR}")
    return path


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One MLflow SQLite database with all migrations applied (migrating takes seconds; copying does not)."""
    from mlflow import MlflowClient

    path = tmp_path_factory.mktemp("mlflow-template") / "mlflow.db"
    uri = f"sqlite:///{path}"
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    client.search_experiments(max_results=1)
    client.search_registered_models(max_results=1)
    return path


@pytest.fixture
def store(modops_home: Path, migrated_db: Path) -> Path:
    """A fresh, already-migrated registry in this test's MODOPS_HOME."""
    modops_home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(migrated_db, modops_home / "mlflow.db")
    reset_settings()
    return modops_home
